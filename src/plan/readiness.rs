//! When a workload counts as ready, from its live object and, while it waits
//! in a Kueue queue, the Workload object Kueue keeps for it. Kinds are told
//! apart by group and kind, so JobSets and LeaderWorkerSets are read like
//! the built-in workloads.
//!
//! - Deployment: available and updated at the wanted replicas, in its
//!   current generation. StatefulSet: ready at the wanted replicas.
//! - Job: started (a start time, or pods active or done); its `Failed`
//!   condition fails it.
//! - JobSet (jobset.x-k8s.io): every replicated job has all its child Jobs
//!   ready (`status.replicatedJobsStatus[].ready`, JobSet's own count of
//!   Jobs whose pods are all ready) or succeeded, or the JobSet is
//!   `Completed`; `Failed` (restarts exhausted) fails it. Restarts after a
//!   failure are waited through and reported (`status.restarts`).
//! - LeaderWorkerSet: its groups ready at the wanted replicas.
//! - A workload in a Kueue queue (label `kueue.x-k8s.io/queue-name`) starts
//!   suspended; while it is, it is ready once Kueue admits it (the
//!   Workload's `Admitted` condition), and until then the wait shows why
//!   Kueue holds it (the `QuotaReserved` message, pending admission checks).
//!   A rejected admission check fails it. Once Kueue unsuspends it, its own
//!   kind's rule applies.
//! - Gateway (gateway.networking.k8s.io): its `Programmed` condition is
//!   True (Gateway API v1; GKE sets it once the load balancer is
//!   provisioned); `Accepted` or `Programmed` False for a configuration
//!   reason (`Invalid`, `InvalidParameters`, `UnsupportedAddress`) fails
//!   it, any other reason is waited through with its message. Its
//!   `status.addresses` are where requests go ([`gateway_addresses`]).
//! - HTTPRoute: every `status.parents[]` entry for its `parentRefs` has
//!   `Accepted` and `ResolvedRefs` True; a False `ResolvedRefs` (e.g. a
//!   missing backend) fails it, as does `Accepted` False for any reason
//!   but `Pending`.
//!
//! A Gateway API condition counts only for the object's current
//! generation (its `observedGeneration`, when set, not behind).

use super::kube::Manifest;
use serde_json::Value;

/// The label that puts a workload in a Kueue LocalQueue.
pub const QUEUE_LABEL: &str = "kueue.x-k8s.io/queue-name";
/// The label Kueue puts on a Workload: the UID of the job it admits.
pub const JOB_UID_LABEL: &str = "kueue.x-k8s.io/job-uid";
/// Kueue's API group, where its Workloads are.
pub const KUEUE_GROUP: &str = "kueue.x-k8s.io";
pub const WORKLOAD_KIND: &str = "Workload";
/// The Gateway API's group (Gateways and HTTPRoutes).
pub const GATEWAY_GROUP: &str = "gateway.networking.k8s.io";

/// A workload's state as far as `podwire apply` waits for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Readiness {
    /// Ready; `note` says something worth knowing about how it got there.
    Ready { note: Option<String> },
    /// Not yet: what it is waiting for.
    Waiting(String),
    /// It failed; waiting longer does not help.
    Failed(String),
}

impl Readiness {
    fn ready() -> Readiness {
        Readiness::Ready { note: None }
    }
}

/// Whether podwire waits for this object to be ready.
pub fn waits_for(m: &Manifest) -> bool {
    matches!(
        (m.group(), m.kind.as_str()),
        ("apps", "Deployment")
            | ("apps", "StatefulSet")
            | ("batch", "Job")
            | ("jobset.x-k8s.io", "JobSet")
            | ("leaderworkerset.x-k8s.io", "LeaderWorkerSet")
            | (GATEWAY_GROUP, "Gateway")
            | (GATEWAY_GROUP, "HTTPRoute")
    )
}

/// The Kueue LocalQueue the object is submitted to.
pub fn queue(m: &Manifest) -> Option<&str> {
    m.label(QUEUE_LABEL).filter(|q| !q.is_empty())
}

/// Whether the live object is a queued workload Kueue has not let start:
/// then its Workload says more ([`workload_selector`]).
pub fn awaiting_admission(m: &Manifest, live: &Value) -> bool {
    queue(m).is_some() && live["spec"]["suspend"].as_bool() == Some(true)
}

/// The label selector that finds the Kueue Workload of a live object.
pub fn workload_selector(live: &Value) -> Option<String> {
    live["metadata"]["uid"]
        .as_str()
        .filter(|u| !u.is_empty())
        .map(|uid| format!("{JOB_UID_LABEL}={uid}"))
}

fn conditions(v: &Value) -> impl Iterator<Item = &Value> {
    v["status"]["conditions"].as_array().into_iter().flatten()
}

/// The condition `ty` when its status is `"True"`.
fn true_condition<'a>(v: &'a Value, ty: &str) -> Option<&'a Value> {
    conditions(v).find(|c| c["type"].as_str() == Some(ty) && c["status"].as_str() == Some("True"))
}

fn condition<'a>(v: &'a Value, ty: &str) -> Option<&'a Value> {
    conditions(v).find(|c| c["type"].as_str() == Some(ty))
}

/// A condition's message, else its reason, else `default`.
fn said(c: &Value, default: &str) -> String {
    c["message"]
        .as_str()
        .filter(|m| !m.is_empty())
        .or_else(|| c["reason"].as_str().filter(|r| !r.is_empty()))
        .unwrap_or(default)
        .to_string()
}

fn count(v: &Value) -> u64 {
    v.as_u64().unwrap_or(0)
}

fn times(n: u64) -> String {
    if n == 1 {
        "once".into()
    } else {
        format!("{n} times")
    }
}

/// The readiness of `m` from its live object; `workload` is its Kueue
/// Workload when the caller looked it up (see [`awaiting_admission`]).
pub fn readiness(m: &Manifest, live: &Value, workload: Option<&Value>) -> Readiness {
    if awaiting_admission(m, live) {
        return admission(queue(m).unwrap_or_default(), workload);
    }
    // An autoscaled workload leaves its count to the autoscaler (no
    // `spec.replicas` in what podwire sends): wait for the live count.
    let want = m.json["spec"]["replicas"]
        .as_u64()
        .or_else(|| live["spec"]["replicas"].as_u64())
        .unwrap_or(1);
    let st = &live["status"];
    let n = |k: &str| count(&st[k]);
    let observed = st["observedGeneration"].as_i64().unwrap_or(0)
        >= live["metadata"]["generation"].as_i64().unwrap_or(0);
    match (m.group(), m.kind.as_str()) {
        // As `kubectl rollout status` reads a Deployment: every pod of the
        // current template, and no old one left (an old pod still serving
        // is not the new server being ready); a pod counts available only
        // once its readiness probe passes.
        ("apps", "Deployment") => {
            let old = n("replicas").saturating_sub(n("updatedReplicas"));
            if observed
                && n("availableReplicas") >= want
                && n("updatedReplicas") >= want
                && old == 0
            {
                Readiness::ready()
            } else if observed && old > 0 && n("updatedReplicas") >= want {
                Readiness::Waiting(format!(
                    "{}/{want} available, {old} old pod{} still running",
                    n("availableReplicas"),
                    if old == 1 { "" } else { "s" }
                ))
            } else {
                Readiness::Waiting(format!("{}/{want} available", n("availableReplicas")))
            }
        }
        // Ready pods (probes passing), of the current revision once the
        // controller reports both revisions.
        ("apps", "StatefulSet") => {
            let rolling = matches!(
                (st["currentRevision"].as_str(), st["updateRevision"].as_str()),
                (Some(c), Some(u)) if c != u
            );
            if observed && n("readyReplicas") >= want && !rolling {
                Readiness::ready()
            } else if observed && rolling && n("readyReplicas") >= want {
                Readiness::Waiting(format!(
                    "{}/{want} ready, rolling out ({}/{want} updated)",
                    n("readyReplicas"),
                    n("updatedReplicas")
                ))
            } else {
                Readiness::Waiting(format!("{}/{want} ready", n("readyReplicas")))
            }
        }
        ("batch", "Job") => {
            if let Some(c) = true_condition(live, "Failed") {
                return Readiness::Failed(said(c, "failed"));
            }
            if st["startTime"].is_string() || n("active") > 0 || n("succeeded") > 0 {
                Readiness::ready()
            } else {
                Readiness::Waiting("not started".into())
            }
        }
        ("jobset.x-k8s.io", "JobSet") => jobset(m, live),
        (GATEWAY_GROUP, "Gateway") => gateway(live),
        (GATEWAY_GROUP, "HTTPRoute") => http_route(m, live),
        // LeaderWorkerSet's `readyReplicas` counts groups whose every pod
        // (leader and workers) is ready; `updatedReplicas`, groups of the
        // current template.
        ("leaderworkerset.x-k8s.io", "LeaderWorkerSet") => {
            let updated = st
                .get("updatedReplicas")
                .is_none_or(|_| n("updatedReplicas") >= want);
            if observed && n("readyReplicas") >= want && updated {
                Readiness::ready()
            } else {
                Readiness::Waiting(format!("{}/{want} groups ready", n("readyReplicas")))
            }
        }
        _ => Readiness::ready(),
    }
}

/// LeaderWorkerSet's pod labels: the set, the group and the pod's index in
/// its group (0: the leader).
pub const LWS_NAME_LABEL: &str = "leaderworkerset.sigs.k8s.io/name";
pub const LWS_GROUP_LABEL: &str = "leaderworkerset.sigs.k8s.io/group-index";
pub const LWS_WORKER_LABEL: &str = "leaderworkerset.sigs.k8s.io/worker-index";

/// The label selector of a LeaderWorkerSet's pods (`podwire status` lists
/// them to show each group), or None for any other object.
pub fn group_pod_selector(m: &Manifest) -> Option<String> {
    (m.group() == "leaderworkerset.x-k8s.io" && m.kind == "LeaderWorkerSet")
        .then(|| format!("{LWS_NAME_LABEL}={}", m.name))
}

/// One replica group of a LeaderWorkerSet as its pods show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub index: u64,
    /// The leader pod exists / is Ready (probes passing).
    pub leader: Option<bool>,
    /// Workers that are Ready, and workers that exist.
    pub workers_ready: u64,
    pub workers: u64,
    /// Pods a group should have (`spec.leaderWorkerTemplate.size`).
    pub size: u64,
}

impl Group {
    pub fn ready(&self) -> bool {
        self.leader == Some(true) && self.workers_ready + 1 >= self.size
    }

    /// `group 0: ready (leader, 1/1 workers)`, `group 1: leader not ready,
    /// 0/1 workers ready`, `group 2: no pods`.
    pub fn line(&self) -> String {
        let want = self.size.saturating_sub(1);
        let workers = if self.workers < want {
            format!(
                "{}/{want} workers ready ({} created)",
                self.workers_ready, self.workers
            )
        } else {
            format!("{}/{want} workers ready", self.workers_ready)
        };
        match self.leader {
            _ if self.ready() => format!("group {}: ready (leader, {workers})", self.index),
            None if self.workers == 0 => format!("group {}: no pods", self.index),
            None => format!("group {}: no leader, {workers}", self.index),
            Some(true) => format!("group {}: leader ready, {workers}", self.index),
            Some(false) => format!("group {}: leader not ready, {workers}", self.index),
        }
    }
}

/// Whether a pod's `Ready` condition is true (its containers' readiness
/// probes pass), and it is not being deleted.
fn pod_ready(pod: &Value) -> bool {
    pod["metadata"]["deletionTimestamp"].is_null() && true_condition(pod, "Ready").is_some()
}

/// The replica groups of a LeaderWorkerSet from its pods' group and worker
/// index labels: groups 0..replicas (the live object's `spec.replicas`,
/// else podwire's) in order, a group without pods included, then any group
/// beyond (being scaled down). Pods without the labels are not counted.
pub fn groups(m: &Manifest, live: &Value, pods: &[Value]) -> Vec<Group> {
    let replicas = live["spec"]["replicas"]
        .as_u64()
        .or_else(|| m.json["spec"]["replicas"].as_u64())
        .unwrap_or(1);
    let size = live["spec"]["leaderWorkerTemplate"]["size"]
        .as_u64()
        .or_else(|| m.json["spec"]["leaderWorkerTemplate"]["size"].as_u64())
        .unwrap_or(1);
    let mut out: Vec<Group> = (0..replicas)
        .map(|index| Group {
            index,
            leader: None,
            workers_ready: 0,
            workers: 0,
            size,
        })
        .collect();
    for pod in pods {
        let label = |k: &str| {
            pod["metadata"]["labels"][k]
                .as_str()
                .and_then(|v| v.parse::<u64>().ok())
        };
        let (Some(g), Some(w)) = (label(LWS_GROUP_LABEL), label(LWS_WORKER_LABEL)) else {
            continue;
        };
        let i = match out.iter().position(|x| x.index == g) {
            Some(i) => i,
            None => {
                out.push(Group {
                    index: g,
                    leader: None,
                    workers_ready: 0,
                    workers: 0,
                    size,
                });
                out.len() - 1
            }
        };
        let ready = pod_ready(pod);
        let group = &mut out[i];
        if w == 0 {
            group.leader = Some(ready);
        } else {
            group.workers += 1;
            group.workers_ready += u64::from(ready);
        }
    }
    out.sort_by_key(|g| g.index);
    out
}

/// A queued workload Kueue has not let start, from its Workload.
fn admission(queue: &str, workload: Option<&Value>) -> Readiness {
    let Some(wl) = workload else {
        return Readiness::Waiting(format!("waiting for Kueue to admit it (queue {queue})"));
    };
    if let Some(c) = true_condition(wl, "Admitted") {
        let cq = wl["status"]["admission"]["clusterQueue"].as_str();
        return Readiness::Ready {
            note: Some(match cq {
                Some(cq) => format!("admitted by Kueue (ClusterQueue {cq})"),
                None => format!("admitted by Kueue ({})", said(c, "admitted")),
            }),
        };
    }
    let checks = wl["status"]["admissionChecks"].as_array();
    if let Some(rejected) = checks
        .into_iter()
        .flatten()
        .find(|c| c["state"].as_str() == Some("Rejected"))
    {
        return Readiness::Failed(format!(
            "Kueue's admission check {} rejected it: {}",
            rejected["name"].as_str().unwrap_or("?"),
            said(rejected, "rejected")
        ));
    }
    let why = match condition(wl, "QuotaReserved") {
        Some(c) if c["status"].as_str() == Some("True") => {
            let pending: Vec<String> = checks
                .into_iter()
                .flatten()
                .filter(|c| c["state"].as_str() != Some("Ready"))
                .map(|c| {
                    let name = c["name"].as_str().unwrap_or("?");
                    match c["message"].as_str().filter(|m| !m.is_empty()) {
                        Some(m) => format!("{name}: {m}"),
                        None => format!("{name} {}", c["state"].as_str().unwrap_or("Pending")),
                    }
                })
                .collect();
            if pending.is_empty() {
                "quota reserved, not admitted yet".to_string()
            } else {
                format!(
                    "quota reserved; admission checks pending ({})",
                    pending.join("; ")
                )
            }
        }
        Some(c) => said(c, "no quota reserved yet"),
        None => "not yet attempted".to_string(),
    };
    Readiness::Waiting(format!("waiting for Kueue (queue {queue}): {why}"))
}

/// A JobSet's readiness (see the module documentation).
fn jobset(m: &Manifest, live: &Value) -> Readiness {
    let st = &live["status"];
    let restarts = count(&st["restarts"]);
    let max = m.json["spec"]["failurePolicy"]["maxRestarts"].as_u64();
    let restarted = || match max {
        Some(max) => format!("restarted {} of at most {max}", times(restarts)),
        None => format!("restarted {}", times(restarts)),
    };
    if let Some(c) = true_condition(live, "Failed") {
        let mut why = said(c, "failed");
        if restarts > 0 {
            why.push_str(&format!(" ({})", restarted()));
        }
        return Readiness::Failed(why);
    }
    if st["terminalState"].as_str() == Some("Failed") {
        return Readiness::Failed("failed".into());
    }
    let note = (restarts > 0).then(|| format!("{} after failures", restarted()));
    if true_condition(live, "Completed").is_some()
        || st["terminalState"].as_str() == Some("Completed")
    {
        return Readiness::Ready { note };
    }
    if true_condition(live, "Suspended").is_some()
        || live["spec"]["suspend"].as_bool() == Some(true)
    {
        return Readiness::Waiting("suspended".into());
    }
    let statuses = st["replicatedJobsStatus"].as_array();
    let mut waiting = Vec::new();
    for rj in m.json["spec"]["replicatedJobs"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let name = rj["name"].as_str().unwrap_or_default();
        let want = rj["replicas"].as_u64().unwrap_or(1);
        let s = statuses
            .into_iter()
            .flatten()
            .find(|s| s["name"].as_str() == Some(name));
        let (ready, failed) = s.map_or((0, 0), |s| {
            (
                count(&s["ready"]) + count(&s["succeeded"]),
                count(&s["failed"]),
            )
        });
        if ready < want {
            let mut p = format!("{name} {ready}/{want} jobs ready");
            if failed > 0 {
                p.push_str(&format!(", {failed} failed"));
            }
            waiting.push(p);
        }
    }
    if waiting.is_empty() {
        return Readiness::Ready { note };
    }
    let mut p = waiting.join(", ");
    if restarts > 0 {
        p.push_str(&format!(" ({})", restarted()));
    }
    Readiness::Waiting(p)
}

/// Where a live Gateway takes requests: its `status.addresses[].value`
/// (IP addresses or hostnames), in order, without empty ones.
pub fn gateway_addresses(live: &Value) -> Vec<String> {
    live["status"]["addresses"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| a["value"].as_str())
        .filter(|v| !v.is_empty())
        .map(str::to_string)
        .collect()
}

/// `Reason: message`, or whichever of them is set, or `default`.
fn reason_message(c: &Value, default: &str) -> String {
    let nonempty = |k: &str| c[k].as_str().filter(|s| !s.is_empty());
    match (nonempty("reason"), nonempty("message")) {
        (Some(r), Some(m)) => format!("{r}: {m}"),
        (Some(x), None) | (None, Some(x)) => x.to_string(),
        (None, None) => default.to_string(),
    }
}

/// The condition `ty` of a Gateway API object's `conditions` (a Gateway's
/// own, or a route's per parent), unless it was written for an older
/// generation than `generation`.
fn current<'a>(conditions: &'a Value, ty: &str, generation: i64) -> Option<&'a Value> {
    conditions
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["type"].as_str() == Some(ty))
        .filter(|c| {
            c["observedGeneration"]
                .as_i64()
                .is_none_or(|g| g >= generation)
        })
}

fn status_is(c: Option<&Value>, s: &str) -> bool {
    c.is_some_and(|c| c["status"].as_str() == Some(s))
}

/// A Gateway's readiness (see the module documentation); its address is
/// the note.
fn gateway(live: &Value) -> Readiness {
    let generation = live["metadata"]["generation"].as_i64().unwrap_or(0);
    let conds = &live["status"]["conditions"];
    let accepted = current(conds, "Accepted", generation);
    let programmed = current(conds, "Programmed", generation);
    const INVALID: [&str; 3] = ["Invalid", "InvalidParameters", "UnsupportedAddress"];
    for (what, c) in [("not accepted", accepted), ("not programmed", programmed)] {
        if let Some(c) = c.filter(|c| {
            c["status"].as_str() == Some("False")
                && INVALID.contains(&c["reason"].as_str().unwrap_or_default())
        }) {
            return Readiness::Failed(format!("{what}: {}", reason_message(c, "invalid")));
        }
    }
    if status_is(programmed, "True") {
        let addresses = gateway_addresses(live);
        return Readiness::Ready {
            note: (!addresses.is_empty()).then(|| format!("address {}", addresses.join(", "))),
        };
    }
    match programmed.or(accepted) {
        Some(c) => Readiness::Waiting(format!(
            "not programmed yet ({})",
            reason_message(c, "pending")
        )),
        None => Readiness::Waiting(
            "not programmed yet (no Gateway controller has reported on it)".into(),
        ),
    }
}

/// A route's `parentRefs[]` entry `r` names the status parent `p`: the
/// same Gateway (name, namespace defaulting to the route's) and listener.
fn same_parent(r: &Value, p: &Value, route_ns: Option<&str>) -> bool {
    let ns = |v: &Value| v["namespace"].as_str().or(route_ns).map(str::to_string);
    r["name"] == p["name"]
        && ns(r) == ns(p)
        && r["sectionName"].as_str() == p["sectionName"].as_str()
        && r["port"] == p["port"]
}

/// An HTTPRoute's readiness (see the module documentation).
fn http_route(m: &Manifest, live: &Value) -> Readiness {
    let generation = live["metadata"]["generation"].as_i64().unwrap_or(0);
    let parents = live["status"]["parents"].as_array();
    let mut waiting = Vec::new();
    for r in m.json["spec"]["parentRefs"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let name = r["name"].as_str().unwrap_or("?");
        let of = match r["sectionName"].as_str() {
            Some(l) => format!("Gateway {name} (listener {l})"),
            None => format!("Gateway {name}"),
        };
        let Some(p) = parents
            .into_iter()
            .flatten()
            .find(|p| same_parent(r, &p["parentRef"], m.namespace.as_deref()))
        else {
            waiting.push(format!("not yet accepted by {of}"));
            continue;
        };
        let conds = &p["conditions"];
        let accepted = current(conds, "Accepted", generation);
        let resolved = current(conds, "ResolvedRefs", generation);
        if let Some(c) = accepted.filter(|c| {
            c["status"].as_str() == Some("False") && c["reason"].as_str() != Some("Pending")
        }) {
            return Readiness::Failed(format!(
                "not accepted by {of}: {}",
                reason_message(c, "not accepted")
            ));
        }
        if let Some(c) = resolved.filter(|c| c["status"].as_str() == Some("False")) {
            return Readiness::Failed(format!(
                "its references do not resolve ({of}): {}",
                reason_message(c, "unresolved")
            ));
        }
        if !status_is(accepted, "True") {
            waiting.push(format!("not yet accepted by {of}"));
        } else if !status_is(resolved, "True") {
            waiting.push(format!("references not yet resolved ({of})"));
        }
    }
    if waiting.is_empty() {
        Readiness::ready()
    } else {
        Readiness::Waiting(waiting.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn m(v: Value) -> Manifest {
        Manifest::from_json(v).unwrap()
    }

    fn jobset_manifest(queue: Option<&str>) -> Manifest {
        let mut labels = json!({});
        if let Some(q) = queue {
            labels[QUEUE_LABEL] = q.into();
        }
        m(
            json!({"apiVersion": "jobset.x-k8s.io/v1alpha2", "kind": "JobSet",
            "metadata": {"name": "train", "namespace": "ns", "labels": labels},
            "spec": {"failurePolicy": {"maxRestarts": 3}, "suspend": queue.is_some(),
                "replicatedJobs": [{"name": "worker", "replicas": 2}, {"name": "driver"}]}}),
        )
    }

    fn live(status: Value) -> Value {
        json!({"metadata": {"uid": "u-1", "generation": 1}, "spec": {}, "status": status})
    }

    #[test]
    fn a_jobset_is_ready_when_every_replicated_job_is() {
        let js = jobset_manifest(None);
        assert!(waits_for(&js));
        assert_eq!(
            readiness(&js, &live(json!({})), None),
            Readiness::Waiting("worker 0/2 jobs ready, driver 0/1 jobs ready".into())
        );
        let ok = json!({"replicatedJobsStatus": [
            {"name": "worker", "ready": 1, "succeeded": 1, "active": 2, "failed": 0},
            {"name": "driver", "ready": 1}]});
        assert_eq!(readiness(&js, &live(ok), None), Readiness::ready());
        assert_eq!(
            readiness(
                &js,
                &live(json!({"conditions": [{"type": "Completed", "status": "True"}]})),
                None
            ),
            Readiness::ready()
        );
    }

    #[test]
    fn a_jobset_restart_is_waited_through_and_reported() {
        let js = jobset_manifest(None);
        // A child Job failed: JobSet restarts the whole group.
        let failing = live(json!({"restarts": 0, "replicatedJobsStatus": [
            {"name": "worker", "ready": 1, "failed": 1}, {"name": "driver", "ready": 1}]}));
        assert_eq!(
            readiness(&js, &failing, None),
            Readiness::Waiting("worker 1/2 jobs ready, 1 failed".into())
        );
        let restarting = live(json!({"restarts": 1, "replicatedJobsStatus": [
            {"name": "worker", "ready": 0, "active": 2}, {"name": "driver", "ready": 1}]}));
        assert_eq!(
            readiness(&js, &restarting, None),
            Readiness::Waiting("worker 0/2 jobs ready (restarted once of at most 3)".into())
        );
        let back = live(json!({"restarts": 1, "replicatedJobsStatus": [
            {"name": "worker", "ready": 2}, {"name": "driver", "ready": 1}]}));
        assert_eq!(
            readiness(&js, &back, None),
            Readiness::Ready {
                note: Some("restarted once of at most 3 after failures".into())
            }
        );
        let gave_up = live(
            json!({"restarts": 3, "conditions": [{"type": "Failed", "status": "True",
            "reason": "FailedJobs", "message": "jobset failed due to reaching max number of restarts"}]}),
        );
        assert_eq!(
            readiness(&js, &gave_up, None),
            Readiness::Failed(
                "jobset failed due to reaching max number of restarts (restarted 3 times of at most 3)"
                    .into()
            )
        );
    }

    #[test]
    fn a_queued_workload_is_ready_when_kueue_admits_it() {
        let js = jobset_manifest(Some("train"));
        let mut suspended = live(json!({"conditions": [{"type": "Suspended", "status": "True"}]}));
        suspended["spec"]["suspend"] = true.into();
        assert!(awaiting_admission(&js, &suspended));
        assert_eq!(
            workload_selector(&suspended).as_deref(),
            Some("kueue.x-k8s.io/job-uid=u-1")
        );
        assert_eq!(
            readiness(&js, &suspended, None),
            Readiness::Waiting("waiting for Kueue to admit it (queue train)".into())
        );
        let pending = json!({"status": {"conditions": [{"type": "QuotaReserved", "status": "False", "reason": "Pending",
            "message": "couldn't assign flavors to pod set worker: insufficient quota for nvidia.com/gpu in flavor h100, 16 more needed"}]}});
        assert_eq!(
            readiness(&js, &suspended, Some(&pending)),
            Readiness::Waiting("waiting for Kueue (queue train): couldn't assign flavors to pod set worker: insufficient quota for nvidia.com/gpu in flavor h100, 16 more needed".into())
        );
        let checking = json!({"status": {"conditions": [{"type": "QuotaReserved", "status": "True"}],
            "admissionChecks": [{"name": "dws-prov", "state": "Pending", "message": "Waiting for resources"}]}});
        assert_eq!(
            readiness(&js, &suspended, Some(&checking)),
            Readiness::Waiting("waiting for Kueue (queue train): quota reserved; admission checks pending (dws-prov: Waiting for resources)".into())
        );
        let admitted = json!({"status": {"admission": {"clusterQueue": "cq"}, "conditions": [
            {"type": "QuotaReserved", "status": "True"}, {"type": "Admitted", "status": "True"}]}});
        assert_eq!(
            readiness(&js, &suspended, Some(&admitted)),
            Readiness::Ready {
                note: Some("admitted by Kueue (ClusterQueue cq)".into())
            }
        );
        let rejected = json!({"status": {"admissionChecks": [{"name": "dws-prov", "state": "Rejected", "message": "capacity not available"}]}});
        assert_eq!(
            readiness(&js, &suspended, Some(&rejected)),
            Readiness::Failed(
                "Kueue's admission check dws-prov rejected it: capacity not available".into()
            )
        );
        // Unsuspended, it is read as any JobSet.
        let running = live(
            json!({"replicatedJobsStatus": [{"name": "worker", "ready": 2}, {"name": "driver", "ready": 1}]}),
        );
        assert!(!awaiting_admission(&js, &running));
        assert_eq!(readiness(&js, &running, None), Readiness::ready());
    }

    #[test]
    fn a_queued_job_waits_for_admission_then_for_its_start() {
        let job = m(json!({"apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": "t", "namespace": "ns", "labels": {QUEUE_LABEL: "q"}},
            "spec": {"suspend": true}}));
        let suspended = json!({"metadata": {"uid": "u"}, "spec": {"suspend": true}, "status": {}});
        assert!(matches!(
            readiness(&job, &suspended, None),
            Readiness::Waiting(_)
        ));
        let started = json!({"metadata": {"uid": "u"}, "spec": {"suspend": false}, "status": {"startTime": "2026-01-01T00:00:00Z"}});
        assert_eq!(readiness(&job, &started, None), Readiness::ready());
        let not_yet = json!({"metadata": {"uid": "u"}, "spec": {"suspend": false}, "status": {}});
        assert_eq!(
            readiness(&job, &not_yet, None),
            Readiness::Waiting("not started".into())
        );
        // Without the label, `suspend` is the user's and Kueue is not asked.
        let plain = m(
            json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "t", "namespace": "ns"}}),
        );
        assert!(!awaiting_admission(&plain, &suspended));
    }

    #[test]
    fn an_autoscaled_deployment_waits_for_the_live_count() {
        let dep = m(
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d", "namespace": "ns"}, "spec": {}}),
        );
        let live = |replicas: u64, available: u64| {
            json!({"metadata": {"generation": 1}, "spec": {"replicas": replicas},
                "status": {"observedGeneration": 1, "availableReplicas": available, "updatedReplicas": available}})
        };
        assert_eq!(
            readiness(&dep, &live(3, 1), None),
            Readiness::Waiting("1/3 available".into())
        );
        assert_eq!(readiness(&dep, &live(3, 3), None), Readiness::ready());
    }

    #[test]
    fn builtin_workloads() {
        let dep = m(
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d", "namespace": "ns"}, "spec": {"replicas": 2}}),
        );
        let at = |st: Value| json!({"metadata": {"generation": 2}, "status": st});
        assert_eq!(
            readiness(
                &dep,
                &at(json!({"observedGeneration": 2, "availableReplicas": 2, "updatedReplicas": 2})),
                None
            ),
            Readiness::ready()
        );
        // An old generation's replicas do not count.
        assert!(matches!(
            readiness(
                &dep,
                &at(json!({"observedGeneration": 1, "availableReplicas": 2, "updatedReplicas": 2})),
                None
            ),
            Readiness::Waiting(_)
        ));
        assert_eq!(
            readiness(
                &dep,
                &at(json!({"observedGeneration": 2, "availableReplicas": 0})),
                None
            ),
            Readiness::Waiting("0/2 available".into())
        );
        let sts = m(
            json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "s", "namespace": "ns"}, "spec": {"replicas": 3}}),
        );
        assert_eq!(
            readiness(
                &sts,
                &at(json!({"observedGeneration": 2, "readyReplicas": 3})),
                None
            ),
            Readiness::ready()
        );
        let job = m(
            json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j", "namespace": "ns"}}),
        );
        assert_eq!(
            readiness(
                &job,
                &json!({"status": {"conditions": [{"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded"}]}}),
                None
            ),
            Readiness::Failed("BackoffLimitExceeded".into())
        );
        let lws = m(
            json!({"apiVersion": "leaderworkerset.x-k8s.io/v1", "kind": "LeaderWorkerSet", "metadata": {"name": "l", "namespace": "ns"}, "spec": {"replicas": 2}}),
        );
        assert_eq!(
            readiness(
                &lws,
                &at(json!({"observedGeneration": 2, "readyReplicas": 1})),
                None
            ),
            Readiness::Waiting("1/2 groups ready".into())
        );
        let svc = m(
            json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s", "namespace": "ns"}}),
        );
        assert!(!waits_for(&svc));
        assert!(waits_for(&dep) && waits_for(&sts) && waits_for(&job) && waits_for(&lws));
    }
    #[test]
    fn a_rollout_is_ready_only_when_the_new_pods_are() {
        let dep = m(
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d", "namespace": "ns"}, "spec": {"replicas": 2}}),
        );
        let at = |st: Value| json!({"metadata": {"generation": 3}, "status": st});
        // Two new pods created, the old two still available (serving): the
        // new servers are not ready yet.
        assert_eq!(
            readiness(
                &dep,
                &at(
                    json!({"observedGeneration": 3, "replicas": 4, "updatedReplicas": 2, "availableReplicas": 2, "readyReplicas": 2})
                ),
                None
            ),
            Readiness::Waiting("2/2 available, 2 old pods still running".into())
        );
        // Probes pass on the new pods and the old are gone.
        assert_eq!(
            readiness(
                &dep,
                &at(
                    json!({"observedGeneration": 3, "replicas": 2, "updatedReplicas": 2, "availableReplicas": 2, "readyReplicas": 2})
                ),
                None
            ),
            Readiness::ready()
        );
        // Created but not ready (a model server loading): not available.
        assert_eq!(
            readiness(
                &dep,
                &at(
                    json!({"observedGeneration": 3, "replicas": 2, "updatedReplicas": 2, "availableReplicas": 0, "readyReplicas": 0})
                ),
                None
            ),
            Readiness::Waiting("0/2 available".into())
        );
        let sts = m(
            json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "s", "namespace": "ns"}, "spec": {"replicas": 2}}),
        );
        assert_eq!(
            readiness(
                &sts,
                &at(
                    json!({"observedGeneration": 3, "readyReplicas": 2, "updatedReplicas": 1, "currentRevision": "s-1", "updateRevision": "s-2"})
                ),
                None
            ),
            Readiness::Waiting("2/2 ready, rolling out (1/2 updated)".into())
        );
        assert_eq!(
            readiness(
                &sts,
                &at(
                    json!({"observedGeneration": 3, "readyReplicas": 2, "updatedReplicas": 2, "currentRevision": "s-2", "updateRevision": "s-2"})
                ),
                None
            ),
            Readiness::ready()
        );
        let lws = m(
            json!({"apiVersion": "leaderworkerset.x-k8s.io/v1", "kind": "LeaderWorkerSet", "metadata": {"name": "l", "namespace": "ns"}, "spec": {"replicas": 2}}),
        );
        // Ready groups of the old template do not count.
        assert!(matches!(
            readiness(
                &lws,
                &at(json!({"observedGeneration": 3, "readyReplicas": 2, "updatedReplicas": 1})),
                None
            ),
            Readiness::Waiting(_)
        ));
        assert_eq!(
            readiness(
                &lws,
                &at(json!({"observedGeneration": 3, "readyReplicas": 2, "updatedReplicas": 2})),
                None
            ),
            Readiness::ready()
        );
    }

    fn pod(group: &str, worker: &str, ready: bool) -> Value {
        json!({"metadata": {"name": format!("l-{group}-{worker}"), "labels": {
                LWS_NAME_LABEL: "l", LWS_GROUP_LABEL: group, LWS_WORKER_LABEL: worker}},
            "status": {"conditions": [{"type": "Ready", "status": if ready { "True" } else { "False" }}]}})
    }

    #[test]
    fn groups_are_read_from_their_pods() {
        let lws = m(
            json!({"apiVersion": "leaderworkerset.x-k8s.io/v1", "kind": "LeaderWorkerSet", "metadata": {"name": "l", "namespace": "ns"},
                "spec": {"leaderWorkerTemplate": {"size": 3}}}),
        );
        assert_eq!(
            group_pod_selector(&lws).as_deref(),
            Some("leaderworkerset.sigs.k8s.io/name=l")
        );
        // The autoscaler owns the count: the live spec says 3 groups.
        let live = json!({"spec": {"replicas": 3, "leaderWorkerTemplate": {"size": 3}}});
        let mut deleting = pod("1", "2", true);
        deleting["metadata"]["deletionTimestamp"] = "2026-12-02T00:00:00Z".into();
        let pods = [
            pod("0", "0", true),
            pod("0", "1", true),
            pod("0", "2", true),
            pod("1", "0", true),
            pod("1", "1", false),
            deleting,
            // Not LWS's: no group label.
            json!({"metadata": {"labels": {LWS_NAME_LABEL: "l"}}, "status": {"conditions": [{"type": "Ready", "status": "True"}]}}),
            // A group being scaled away.
            pod("3", "1", true),
        ];
        let g = groups(&lws, &live, &pods);
        let lines: Vec<String> = g.iter().map(Group::line).collect();
        assert_eq!(
            lines,
            [
                "group 0: ready (leader, 2/2 workers ready)",
                "group 1: leader ready, 0/2 workers ready",
                "group 2: no pods",
                "group 3: no leader, 1/2 workers ready (1 created)",
            ]
        );
        assert!(g[0].ready() && !g[1].ready() && !g[2].ready());
        // Without a live count, podwire's; a leader alone in a group of 1.
        let solo = m(
            json!({"apiVersion": "leaderworkerset.x-k8s.io/v1", "kind": "LeaderWorkerSet", "metadata": {"name": "l", "namespace": "ns"},
                "spec": {"replicas": 1, "leaderWorkerTemplate": {"size": 1}}}),
        );
        let g = groups(&solo, &json!({}), &[pod("0", "0", false)]);
        assert_eq!(g[0].line(), "group 0: leader not ready, 0/0 workers ready");
        let dep = m(
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d", "namespace": "ns"}}),
        );
        assert_eq!(group_pod_selector(&dep), None);
    }

    fn gateway_live(generation: i64, status: Value) -> Value {
        json!({"metadata": {"generation": generation}, "status": status})
    }

    #[test]
    fn a_gateway_is_ready_when_programmed_and_shows_its_address() {
        let gw = m(
            json!({"apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway",
            "metadata": {"name": "external", "namespace": "ns"}, "spec": {"gatewayClassName": "gke-l7-global-external-managed"}}),
        );
        assert!(waits_for(&gw));
        // Not reported on yet; then the API server's CRD defaults.
        assert_eq!(
            readiness(&gw, &gateway_live(1, json!({})), None),
            Readiness::Waiting(
                "not programmed yet (no Gateway controller has reported on it)".into()
            )
        );
        let pending = json!({"conditions": [
            {"type": "Accepted", "status": "True", "reason": "Accepted", "observedGeneration": 1},
            {"type": "Programmed", "status": "False", "reason": "Pending", "observedGeneration": 1,
             "message": "Waiting for the load balancer to be provisioned"}]});
        assert_eq!(
            readiness(&gw, &gateway_live(1, pending), None),
            Readiness::Waiting(
                "not programmed yet (Pending: Waiting for the load balancer to be provisioned)"
                    .into()
            )
        );
        let programmed = json!({"addresses": [{"type": "IPAddress", "value": "203.0.113.9"}, {"value": ""}],
            "conditions": [{"type": "Accepted", "status": "True", "observedGeneration": 2},
                {"type": "Programmed", "status": "True", "reason": "Programmed", "observedGeneration": 2}]});
        assert_eq!(
            readiness(&gw, &gateway_live(2, programmed.clone()), None),
            Readiness::Ready {
                note: Some("address 203.0.113.9".into())
            }
        );
        assert_eq!(
            gateway_addresses(&gateway_live(2, programmed.clone())),
            ["203.0.113.9"]
        );
        // Programmed for an older generation: the new spec is not yet.
        assert!(matches!(
            readiness(&gw, &gateway_live(3, programmed), None),
            Readiness::Waiting(_)
        ));
        // A configuration the controller refuses: waiting does not help.
        let invalid = json!({"conditions": [{"type": "Accepted", "status": "False", "reason": "InvalidParameters",
            "message": "GatewayClass parameters not found"}]});
        assert_eq!(
            readiness(&gw, &gateway_live(1, invalid), None),
            Readiness::Failed(
                "not accepted: InvalidParameters: GatewayClass parameters not found".into()
            )
        );
        // Told apart by group: another group's Gateway is not waited for.
        let other = m(
            json!({"apiVersion": "networking.istio.io/v1", "kind": "Gateway",
            "metadata": {"name": "g", "namespace": "ns"}}),
        );
        assert!(!waits_for(&other));
        assert_eq!(readiness(&other, &json!({}), None), Readiness::ready());
    }

    #[test]
    fn an_http_route_is_ready_when_every_parent_accepts_and_resolves_it() {
        let route = m(
            json!({"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
            "metadata": {"name": "llama", "namespace": "ns"},
            "spec": {"parentRefs": [{"name": "external", "sectionName": "https"}]}}),
        );
        assert!(waits_for(&route));
        let parent = |conds: Value| {
            json!({"parentRef": {"group": "gateway.networking.k8s.io", "kind": "Gateway",
                "name": "external", "namespace": "ns", "sectionName": "https"},
                "controllerName": "networking.gke.io/gateway", "conditions": conds})
        };
        let at =
            |parents: Value| json!({"metadata": {"generation": 1}, "status": {"parents": parents}});
        assert_eq!(
            readiness(&route, &at(json!([])), None),
            Readiness::Waiting("not yet accepted by Gateway external (listener https)".into())
        );
        // Another listener's entry is not this parentRef's.
        let mut elsewhere = parent(json!([{"type": "Accepted", "status": "True"},
            {"type": "ResolvedRefs", "status": "True"}]));
        elsewhere["parentRef"]["sectionName"] = "http".into();
        assert!(matches!(
            readiness(&route, &at(json!([elsewhere])), None),
            Readiness::Waiting(_)
        ));
        let ok = parent(
            json!([{"type": "Accepted", "status": "True", "observedGeneration": 1},
            {"type": "ResolvedRefs", "status": "True", "observedGeneration": 1}]),
        );
        assert_eq!(
            readiness(&route, &at(json!([ok])), None),
            Readiness::ready()
        );
        let unresolved = parent(json!([{"type": "Accepted", "status": "True"},
            {"type": "ResolvedRefs", "status": "False", "reason": "BackendNotFound",
             "message": "Service \"llama\" not found"}]));
        assert_eq!(
            readiness(&route, &at(json!([unresolved])), None),
            Readiness::Failed(
                "its references do not resolve (Gateway external (listener https)): BackendNotFound: Service \"llama\" not found"
                    .into()
            )
        );
        let refused = parent(
            json!([{"type": "Accepted", "status": "False", "reason": "NoMatchingParent",
            "message": "no listener https"}]),
        );
        assert_eq!(
            readiness(&route, &at(json!([refused])), None),
            Readiness::Failed(
                "not accepted by Gateway external (listener https): NoMatchingParent: no listener https"
                    .into()
            )
        );
        let pending = parent(json!([{"type": "Accepted", "status": "False", "reason": "Pending"}]));
        assert_eq!(
            readiness(&route, &at(json!([pending])), None),
            Readiness::Waiting("not yet accepted by Gateway external (listener https)".into())
        );
        // A stale acceptance (an older generation) is waited past.
        let stale = parent(
            json!([{"type": "Accepted", "status": "True", "observedGeneration": 1},
            {"type": "ResolvedRefs", "status": "True", "observedGeneration": 1}]),
        );
        let mut newer = at(json!([stale]));
        newer["metadata"]["generation"] = 2.into();
        assert!(matches!(
            readiness(&route, &newer, None),
            Readiness::Waiting(_)
        ));
    }
}
