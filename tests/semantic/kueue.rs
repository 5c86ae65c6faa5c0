//! A model of Kueue's admission (kueue.x-k8s.io/v1beta2, from Kueue's
//! documentation and API), sharing no code with podwire: it reads the
//! manifests as plain JSON values and answers, for each job that names a
//! queue, whether Kueue could ever admit it and on which flavors:
//!
//! - the job's `kueue.x-k8s.io/queue-name` names a LocalQueue of its own
//!   namespace, whose ClusterQueue exists and whose `namespaceSelector`
//!   selects the namespace (a missing selector selects none);
//! - the job is created suspended (else it runs before Kueue sees it), and
//!   its `kueue.x-k8s.io/priority-class`, if any, names a
//!   WorkloadPriorityClass;
//! - every resource a pod requests is covered by a resource group, and
//!   each group gives each pod set the first of its flavors that exists,
//!   whose `nodeLabels` agree with the pods' node selector (on the label
//!   keys the group's flavors use) and whose nominal quota holds the whole
//!   job (pods x requests) — all pods or none;
//! - every admission check of the ClusterQueue that applies to the chosen
//!   flavors exists, and a provisioning check's parameters name an
//!   existing ProvisioningRequestConfig;
//! - each flavor lists the group's covered resources in their order (what
//!   Kueue's webhook requires).
//!
//! Then it holds each spec's queued workloads to it: read from the spec by
//! design.md's words, each must be admissible, on the flavor that selects
//! its own pool, and unqueued workloads carry no queue and are not suspended.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

type Labels = BTreeMap<String, String>;

const QUEUE_LABEL: &str = "kueue.x-k8s.io/queue-name";
const PRIORITY_LABEL: &str = "kueue.x-k8s.io/priority-class";
const POOL_LABEL: &str = "cloud.google.com/gke-nodepool";

/// A quantity in thousandths of its unit (`500m` cpu is 500, `1Gi` is
/// 1073741824000): exact for everything Kubernetes accepts that podwire writes.
pub fn milli(q: &str) -> Result<u128, String> {
    let q = q.trim();
    let split = q
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(q.len());
    let (num, suffix) = q.split_at(split);
    let (int, frac) = num.split_once('.').unwrap_or((num, ""));
    if int.is_empty() && frac.is_empty() {
        return Err(format!("`{q}`: no number"));
    }
    let digits = format!("{int}{frac}");
    let n: u128 = digits.parse().map_err(|e| format!("`{q}`: {e}"))?;
    let scale = 10u128.pow(frac.len() as u32);
    let (mul, div): (u128, u128) = match suffix {
        "" => (1000, 1),
        "m" => (1, 1),
        "k" => (1000 * 1000, 1),
        "M" => (1000 * 10u128.pow(6), 1),
        "G" => (1000 * 10u128.pow(9), 1),
        "T" => (1000 * 10u128.pow(12), 1),
        "P" => (1000 * 10u128.pow(15), 1),
        "Ki" => (1000 << 10, 1),
        "Mi" => (1000 << 20, 1),
        "Gi" => (1000 << 30, 1),
        "Ti" => (1000 << 40, 1),
        "Pi" => (1000 << 50, 1),
        s if s.starts_with(['e', 'E']) => {
            let e: u32 = s[1..].parse().map_err(|e| format!("`{q}`: {e}"))?;
            (1000 * 10u128.pow(e), 1)
        }
        s => return Err(format!("`{q}`: unknown suffix `{s}`")),
    };
    Ok(n * mul / div / scale)
}

fn quantity(v: &Value) -> Result<u128, String> {
    match v {
        Value::String(s) => milli(s),
        Value::Number(n) => milli(&n.to_string()),
        other => Err(format!("not a quantity: {other}")),
    }
}

fn labels(v: &Value) -> Labels {
    v.as_object()
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
        .collect()
}

fn name(o: &Value) -> String {
    o["metadata"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// A label selector with matchLabels and matchExpressions.
#[derive(Debug, Clone)]
struct Selector {
    labels: Labels,
    expressions: Vec<(String, String, Vec<String>)>,
}

impl Selector {
    fn parse(v: &Value) -> Selector {
        Selector {
            labels: labels(&v["matchLabels"]),
            expressions: v["matchExpressions"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|e| {
                    (
                        e["key"].as_str().unwrap_or_default().to_string(),
                        e["operator"].as_str().unwrap_or_default().to_string(),
                        e["values"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .filter_map(|v| v.as_str().map(String::from))
                            .collect(),
                    )
                })
                .collect(),
        }
    }

    fn matches(&self, l: &Labels) -> bool {
        self.labels.iter().all(|(k, v)| l.get(k) == Some(v))
            && self
                .expressions
                .iter()
                .all(|(k, op, vals)| match op.as_str() {
                    "In" => l.get(k).is_some_and(|v| vals.contains(v)),
                    "NotIn" => l.get(k).is_none_or(|v| !vals.contains(v)),
                    "Exists" => l.contains_key(k),
                    "DoesNotExist" => !l.contains_key(k),
                    _ => false,
                })
    }
}

#[derive(Debug, Clone)]
struct Flavor {
    name: String,
    /// (resource, nominal quota in thousandths).
    quotas: Vec<(String, u128)>,
}

#[derive(Debug, Clone)]
struct Group {
    covered: Vec<String>,
    flavors: Vec<Flavor>,
}

#[derive(Debug, Clone)]
struct ClusterQueue {
    namespace_selector: Option<Selector>,
    groups: Vec<Group>,
    /// (admission check, the flavors it applies to; empty: all).
    checks: Vec<(String, Vec<String>)>,
}

/// The pods of one pod set of a job: how many, what each requests, where
/// they may run.
#[derive(Debug, Clone)]
pub struct PodSet {
    pub count: u128,
    pub requests: BTreeMap<String, u128>,
    pub node_selector: Labels,
    /// Required node affinity: label key -> the values it may have (`In`).
    pub node_affinity: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Clone)]
pub struct Job {
    pub kind: String,
    pub name: String,
    pub namespace: String,
    pub labels: Labels,
    pub suspended: bool,
    pub pod_sets: Vec<PodSet>,
}

/// Kueue's view of a set of manifests.
#[derive(Debug, Default)]
pub struct Kueue {
    flavors: BTreeMap<String, Labels>,
    cluster_queues: BTreeMap<String, ClusterQueue>,
    local_queues: BTreeMap<(String, String), String>,
    priority_classes: BTreeMap<String, i64>,
    /// name -> (controller, parameters' kind, parameters' name).
    admission_checks: BTreeMap<String, (String, String, String)>,
    provisioning_configs: BTreeSet<String>,
    namespaces: BTreeMap<String, Labels>,
    pub jobs: Vec<Job>,
    /// Objects Kueue's webhooks would refuse.
    pub refused: Vec<String>,
}

/// What one pod requests: the containers' requests (a limit stands for a
/// missing request) plus native sidecars', or an init container's when larger.
fn pod_requests(spec: &Value) -> BTreeMap<String, u128> {
    let of = |c: &Value| -> BTreeMap<String, u128> {
        let mut r: BTreeMap<String, u128> = BTreeMap::new();
        for key in ["limits", "requests"] {
            for (k, v) in c["resources"][key].as_object().into_iter().flatten() {
                if let Ok(n) = quantity(v) {
                    r.insert(k.clone(), n);
                }
            }
        }
        r
    };
    let mut sum: BTreeMap<String, u128> = BTreeMap::new();
    let add = |sum: &mut BTreeMap<String, u128>, r: BTreeMap<String, u128>| {
        for (k, v) in r {
            *sum.entry(k).or_default() += v;
        }
    };
    for c in spec["containers"].as_array().into_iter().flatten() {
        add(&mut sum, of(c));
    }
    let mut init_max: BTreeMap<String, u128> = BTreeMap::new();
    for c in spec["initContainers"].as_array().into_iter().flatten() {
        if c["restartPolicy"] == "Always" {
            add(&mut sum, of(c));
        } else {
            for (k, v) in of(c) {
                let e = init_max.entry(k).or_default();
                *e = (*e).max(v);
            }
        }
    }
    for (k, v) in init_max {
        let e = sum.entry(k).or_default();
        *e = (*e).max(v);
    }
    sum.retain(|_, v| *v > 0);
    sum
}

fn pod_set(count: u128, template: &Value) -> PodSet {
    PodSet {
        count,
        requests: pod_requests(&template["spec"]),
        node_selector: labels(&template["spec"]["nodeSelector"]),
        node_affinity: required_in(&template["spec"]["affinity"]["nodeAffinity"]),
    }
}

/// The `In` expressions of a required node affinity (one term, as podwire
/// writes it; several terms would be ORed, which this does not model).
fn required_in(node_affinity: &Value) -> BTreeMap<String, Vec<String>> {
    let terms =
        &node_affinity["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"];
    let mut out = BTreeMap::new();
    for e in terms[0]["matchExpressions"]
        .as_array()
        .into_iter()
        .flatten()
    {
        if e["operator"].as_str() == Some("In") {
            let values = e["values"].as_array().into_iter().flatten();
            out.insert(
                e["key"].as_str().unwrap_or_default().to_string(),
                values
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect(),
            );
        }
    }
    out
}

impl Kueue {
    pub fn from_objects(objects: &[Value]) -> Kueue {
        let mut k = Kueue::default();
        for o in objects {
            let kind = o["kind"].as_str().unwrap_or_default();
            let n = name(o);
            let ns = o["metadata"]["namespace"]
                .as_str()
                .unwrap_or("default")
                .to_string();
            let spec = &o["spec"];
            match kind {
                "Namespace" => {
                    let mut l = labels(&o["metadata"]["labels"]);
                    l.insert("kubernetes.io/metadata.name".into(), n.clone());
                    k.namespaces.insert(n, l);
                }
                "ResourceFlavor" => {
                    k.flavors.insert(n, labels(&spec["nodeLabels"]));
                }
                "LocalQueue" => {
                    let cq = spec["clusterQueue"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string();
                    k.local_queues.insert((ns, n), cq);
                }
                "WorkloadPriorityClass" => {
                    k.priority_classes
                        .insert(n, o["value"].as_i64().unwrap_or(i64::MIN));
                }
                "ProvisioningRequestConfig" => {
                    k.provisioning_configs.insert(n);
                }
                "AdmissionCheck" => {
                    let p = &spec["parameters"];
                    let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
                    k.admission_checks.insert(
                        n,
                        (s(&spec["controllerName"]), s(&p["kind"]), s(&p["name"])),
                    );
                }
                "ClusterQueue" => {
                    let cq = k.cluster_queue(&n, spec);
                    k.cluster_queues.insert(n, cq);
                }
                "Job" => k.jobs.push(Job {
                    kind: kind.into(),
                    name: n,
                    namespace: ns,
                    labels: labels(&o["metadata"]["labels"]),
                    suspended: spec["suspend"] == true,
                    pod_sets: vec![pod_set(
                        u128::from(spec["parallelism"].as_u64().unwrap_or(1)),
                        &spec["template"],
                    )],
                }),
                "JobSet" => k.jobs.push(Job {
                    kind: kind.into(),
                    name: n,
                    namespace: ns,
                    labels: labels(&o["metadata"]["labels"]),
                    suspended: spec["suspend"] == true,
                    pod_sets: spec["replicatedJobs"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|rj| {
                            let job = &rj["template"]["spec"];
                            let replicas = u128::from(rj["replicas"].as_u64().unwrap_or(1));
                            let parallel = u128::from(job["parallelism"].as_u64().unwrap_or(1));
                            pod_set(replicas * parallel, &job["template"])
                        })
                        .collect(),
                }),
                _ => {}
            }
        }
        k
    }

    fn cluster_queue(&mut self, name: &str, spec: &Value) -> ClusterQueue {
        let mut groups = Vec::new();
        let mut seen_resources = BTreeSet::new();
        for g in spec["resourceGroups"].as_array().into_iter().flatten() {
            let covered: Vec<String> = g["coveredResources"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|v| v.as_str().map(String::from))
                .collect();
            for r in &covered {
                if !seen_resources.insert(r.clone()) {
                    self.refused.push(format!(
                        "ClusterQueue {name}: {r} is in two resource groups"
                    ));
                }
            }
            let mut flavors = Vec::new();
            for f in g["flavors"].as_array().into_iter().flatten() {
                let mut quotas = Vec::new();
                for r in f["resources"].as_array().into_iter().flatten() {
                    let rn = r["name"].as_str().unwrap_or_default().to_string();
                    match quantity(&r["nominalQuota"]) {
                        Ok(q) => quotas.push((rn, q)),
                        Err(e) => self.refused.push(format!("ClusterQueue {name}: {e}")),
                    }
                }
                let names: Vec<&String> = quotas.iter().map(|(n, _)| n).collect();
                if names != covered.iter().collect::<Vec<_>>() {
                    self.refused.push(format!(
                        "ClusterQueue {name}: flavor {} lists {names:?}, not the covered resources {covered:?} in order",
                        name_of(f)
                    ));
                }
                flavors.push(Flavor {
                    name: name_of(f),
                    quotas,
                });
            }
            groups.push(Group { covered, flavors });
        }
        let checks = spec["admissionChecksStrategy"]["admissionChecks"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| {
                (
                    name_of(c),
                    c["onFlavors"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|v| v.as_str().map(String::from))
                        .collect(),
                )
            })
            .collect();
        ClusterQueue {
            namespace_selector: spec
                .get("namespaceSelector")
                .filter(|s| !s.is_null())
                .map(Selector::parse),
            groups,
            checks,
        }
    }

    /// Whether Kueue could ever admit `job` (with nothing else running):
    /// the flavor each pod set gets, per resource group, or why not.
    pub fn admit(&self, job: &Job) -> Result<Vec<String>, String> {
        let id = format!("{} {}/{}", job.kind, job.namespace, job.name);
        let lq = job
            .labels
            .get(QUEUE_LABEL)
            .ok_or(format!("{id}: no {QUEUE_LABEL} label"))?;
        let cq_name = self
            .local_queues
            .get(&(job.namespace.clone(), lq.clone()))
            .ok_or(format!("{id}: no LocalQueue {lq} in {}", job.namespace))?;
        let cq = self.cluster_queues.get(cq_name).ok_or(format!(
            "{id}: LocalQueue {lq} points at missing ClusterQueue {cq_name}"
        ))?;
        let ns_labels = self
            .namespaces
            .get(&job.namespace)
            .ok_or(format!("{id}: namespace {} is not created", job.namespace))?;
        if !cq
            .namespace_selector
            .as_ref()
            .is_some_and(|s| s.matches(ns_labels))
        {
            return Err(format!(
                "{id}: ClusterQueue {cq_name} does not admit namespace {}",
                job.namespace
            ));
        }
        if !job.suspended {
            return Err(format!(
                "{id}: not created suspended; it starts before Kueue admits it"
            ));
        }
        if let Some(p) = job.labels.get(PRIORITY_LABEL) {
            if !self.priority_classes.contains_key(p) {
                return Err(format!("{id}: no WorkloadPriorityClass {p}"));
            }
        }
        let mut used: BTreeMap<(String, String), u128> = BTreeMap::new();
        let mut chosen = Vec::new();
        for (pi, ps) in job.pod_sets.iter().enumerate() {
            for r in ps.requests.keys() {
                if !cq.groups.iter().any(|g| g.covered.contains(r)) {
                    return Err(format!(
                        "{id}: pod set {pi} requests {r}, which ClusterQueue {cq_name} does not cover"
                    ));
                }
            }
            for g in &cq.groups {
                if !ps.requests.keys().any(|r| g.covered.contains(r)) {
                    continue;
                }
                let keys: BTreeSet<&String> = g
                    .flavors
                    .iter()
                    .filter_map(|f| self.flavors.get(&f.name))
                    .flat_map(|l| l.keys())
                    .collect();
                let mut why = Vec::new();
                let fit = g.flavors.iter().find(|f| {
                    let Some(node_labels) = self.flavors.get(&f.name) else {
                        why.push(format!("{}: no such ResourceFlavor", f.name));
                        return false;
                    };
                    // Kueue admits a pod set on a flavor only where the
                    // flavor's labels agree with its node selector and its
                    // required node affinity.
                    let agrees = keys.iter().all(|k| {
                        let selected = match ps.node_selector.get(*k) {
                            Some(v) => node_labels.get(*k) == Some(v),
                            None => true,
                        };
                        let affine = match ps.node_affinity.get(*k) {
                            Some(values) => node_labels.get(*k).is_some_and(|v| values.contains(v)),
                            None => true,
                        };
                        selected && affine
                    });
                    if !agrees {
                        why.push(format!(
                            "{}: node labels {node_labels:?} do not match {:?}",
                            f.name, ps.node_selector
                        ));
                        return false;
                    }
                    for (r, each) in &ps.requests {
                        if !g.covered.contains(r) {
                            continue;
                        }
                        let quota = f.quotas.iter().find(|(n, _)| n == r).map_or(0, |q| q.1);
                        let already = used.get(&(f.name.clone(), r.clone())).copied().unwrap_or(0);
                        let need = already + each * ps.count;
                        if need > quota {
                            why.push(format!(
                                "{}: {r} needs {need}m in all, the quota is {quota}m",
                                f.name
                            ));
                            return false;
                        }
                    }
                    true
                });
                let Some(f) = fit else {
                    return Err(format!("{id}: never admitted: {}", why.join("; ")));
                };
                for (r, each) in &ps.requests {
                    if g.covered.contains(r) {
                        *used.entry((f.name.clone(), r.clone())).or_default() += each * ps.count;
                    }
                }
                chosen.push(f.name.clone());
            }
        }
        for (check, on) in &cq.checks {
            if !on.is_empty() && !chosen.iter().any(|f| on.contains(f)) {
                continue;
            }
            let (controller, kind, params) = self
                .admission_checks
                .get(check)
                .ok_or(format!("{id}: admission check {check} does not exist"))?;
            if controller != "kueue.x-k8s.io/provisioning-request"
                || kind != "ProvisioningRequestConfig"
                || !self.provisioning_configs.contains(params)
            {
                return Err(format!(
                    "{id}: admission check {check} ({controller}, {kind} {params}) cannot pass"
                ));
            }
        }
        Ok(chosen)
    }

    /// The node labels of a flavor.
    pub fn flavor_labels(&self, flavor: &str) -> Option<&Labels> {
        self.flavors.get(flavor)
    }
}

fn name_of(v: &Value) -> String {
    v["name"].as_str().unwrap_or_default().to_string()
}

/// What the spec says of its queued workloads, read by design.md's words:
/// (workload, queue or none, its pool's name).
fn declared(spec: &Value) -> Vec<(String, Option<String>, String)> {
    let pools: Vec<&str> = spec["cluster"]["nodePools"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["name"].as_str())
        .collect();
    spec["workloads"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|w| {
            let pool = w["pool"]
                .as_str()
                .or(pools.first().copied().filter(|_| pools.len() == 1))
                .unwrap_or_default();
            (
                w["name"].as_str().unwrap_or_default().to_string(),
                w["queue"].as_str().map(String::from),
                pool.to_string(),
            )
        })
        .collect()
}

/// Whether a flavor's node labels select spec pool `pool`'s nodes: by the
/// GKE node pool label, or, for a TPU Multislice pool (one GKE node pool per
/// slice, `<pool>-0` ...), by the TPU topology and type GKE puts on each of
/// its nodes, with no node pool label that would name another pool.
fn selects_pool(spec: &Value, pool: &str, labels: &Labels) -> bool {
    if let Some(p) = labels.get(POOL_LABEL) {
        return p == pool;
    }
    let Some(p) = spec["cluster"]["nodePools"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| p["name"].as_str() == Some(pool))
    else {
        return false;
    };
    p["tpu"]["slices"].as_u64().unwrap_or(1) > 1
        && labels
            .get("cloud.google.com/gke-tpu-topology")
            .map(String::as_str)
            == p["tpu"]["topology"].as_str()
        && labels.contains_key("cloud.google.com/gke-tpu-accelerator")
}

/// The findings for one spec's manifests: empty when every queued workload
/// is admissible on its own pool and nothing else is queued or suspended.
pub fn findings(spec: &Value, objects: &[Value]) -> Vec<String> {
    let k = Kueue::from_objects(objects);
    let mut out = k.refused.clone();
    for (workload, queue, pool) in declared(spec) {
        let job = k.jobs.iter().find(|j| j.name == workload);
        match (queue, job) {
            (None, Some(j)) => {
                if j.labels.contains_key(QUEUE_LABEL) || j.suspended {
                    out.push(format!(
                        "{workload}: in no queue, but labelled or suspended"
                    ));
                }
            }
            (None, None) => {}
            (Some(q), None) => out.push(format!("{workload}: queued in {q}, but no job")),
            (Some(q), Some(j)) => {
                if j.labels.get(QUEUE_LABEL) != Some(&q) {
                    out.push(format!("{workload}: not in LocalQueue {q}: {:?}", j.labels));
                }
                match k.admit(j) {
                    Err(e) => out.push(e),
                    Ok(flavors) => {
                        for f in flavors {
                            let selects = k
                                .flavor_labels(&f)
                                .is_some_and(|l| selects_pool(spec, &pool, l));
                            if !selects {
                                out.push(format!(
                                    "{workload}: admitted on flavor {f}, which does not select its pool {pool}"
                                ));
                            }
                        }
                    }
                }
            }
        }
    }
    out
}

fn manifests_of(c: &podwire::Compiled) -> Vec<Value> {
    let text = c
        .files
        .iter()
        .find(|f| f.path == podwire::MANIFESTS_FILE)
        .map(|f| f.content.as_str())
        .unwrap_or_default();
    crate::support::yaml::documents(text).unwrap_or_else(|e| panic!("{e}"))
}

fn compiled(src: &str) -> Vec<Value> {
    let c = podwire::compile(src, &podwire::Options::default());
    assert!(c.ok, "{:#?}\n{src}", c.diagnostics);
    manifests_of(&c)
}

/// Specs whose queued jobs Kueue must admit: several pools and queues,
/// quotas that just fit, TPUs, ephemeral storage, every priority.
const QUEUED: &str = "
apiVersion: podwire.dev/v1alpha1
kind: AIWorkload
metadata: {name: kq}
gcp: {project: my-project, location: us-central1-a}
cluster:
  nodePools:
    - {name: h100, machineType: a3-highgpu-8g, autoscaling: {min: 0, max: 4}}
    - {name: l4, machineType: g2-standard-8, nodes: 2}
    - {name: v5e, machineType: ct5lp-hightpu-4t, tpu: {topology: 2x4}, nodes: 2}
    - {name: cpu, machineType: n2-standard-8, nodes: 3}
queues:
  - {name: train, pools: [l4, h100], quota: {gpus: 16, cpu: '60', memory: 3000Gi, ephemeralStorage: 1Ti}}
  - {name: tpu, pools: [v5e]}
workloads:
  - {name: a, image: a:1, pool: h100, queue: train, priority: high, replicas: 2, gpus: 8, resources: {cpu: '30', memory: 1500Gi, ephemeralStorage: 500Gi}}
  - {name: b, image: b:1, pool: l4, queue: train, priority: low, replicas: 2, gpus: 1, resources: {cpu: 3500m}}
  - {name: c, image: c:1, pool: v5e, queue: tpu, priority: normal, replicas: 2, distributed: jax}
  - {name: d, image: d:1, pool: cpu, run: job}
  - {name: e, image: e:1, pool: cpu, ports: [{name: http, port: 80}]}
";

#[test]
fn quantities_are_read_exactly() {
    assert_eq!(milli("500m"), Ok(500));
    assert_eq!(milli("2"), Ok(2000));
    assert_eq!(milli("1.5"), Ok(1500));
    assert_eq!(milli("1Gi"), Ok(1000 << 30));
    assert_eq!(milli("1500Gi"), Ok(1500 * (1000 << 30)));
    assert_eq!(milli("1k"), Ok(1_000_000));
    assert_eq!(milli("1e3"), Ok(1_000_000));
    assert!(milli("1 Gi").is_err() && milli("Gi").is_err() && milli("1Xi").is_err());
}

#[test]
fn examples_queue_what_their_specs_queue() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut queued = 0;
    for e in std::fs::read_dir(dir).expect("examples").flatten() {
        let p = e.path();
        if p.extension().is_none_or(|x| x != "yaml") {
            continue;
        }
        let src = std::fs::read_to_string(&p).expect("read");
        let spec = crate::support::yaml::document(&src).expect("spec");
        queued += declared(&spec).iter().filter(|d| d.1.is_some()).count();
        let f = findings(&spec, &compiled(&src));
        assert!(f.is_empty(), "{}:\n{}", p.display(), f.join("\n"));
    }
    assert!(queued > 0, "no example queues a workload");
}

#[test]
fn queued_jobs_are_admissible_on_their_own_pools() {
    let spec = crate::support::yaml::document(QUEUED).expect("spec");
    let objects = compiled(QUEUED);
    let f = findings(&spec, &objects);
    assert!(f.is_empty(), "{}", f.join("\n"));
    let k = Kueue::from_objects(&objects);
    assert_eq!(k.jobs.iter().filter(|j| j.suspended).count(), 3);
    // The priority classes keep design.md's order.
    let v = |p: &str| k.priority_classes.get(&format!("kq-{p}")).copied();
    assert!(
        v("low") < v("normal") && v("normal") < v("high"),
        "{:?}",
        k.priority_classes
    );
}

#[test]
fn queued_provisioning_pools_pass_their_admission_check() {
    let mut m = podwire::analyze(QUEUED).model.expect("compiles");
    for p in &mut m.pools {
        if p.name == "h100" || p.name == "v5e" {
            p.capacity = podwire::model::Capacity::Queued;
        }
    }
    let text = podwire::k8s::manifests_yaml(&podwire::k8s::objects(&m)).expect("yaml");
    let objects = crate::support::yaml::documents(&text).expect("yaml");
    let spec = crate::support::yaml::document(QUEUED).expect("spec");
    let f = findings(&spec, &objects);
    assert!(f.is_empty(), "{}", f.join("\n"));
    // Each queued pool's check applies to its own flavor only.
    let k = Kueue::from_objects(&objects);
    let train = &k.cluster_queues["kq-train"];
    assert_eq!(
        train.checks,
        [("kq-h100".to_string(), vec!["kq-h100".to_string()])]
    );
    // Without its ProvisioningRequestConfig the check cannot pass.
    let without: Vec<Value> = objects
        .iter()
        .filter(|o| !(o["kind"] == "ProvisioningRequestConfig" && name(o) == "kq-h100"))
        .cloned()
        .collect();
    let f = findings(&spec, &without);
    assert!(
        f.len() == 1 && f[0].contains("admission check kq-h100") && f[0].starts_with("Job kq/a"),
        "{f:#?}"
    );
}

/// The evaluator can fail: each broken variant of good manifests is found.
#[test]
fn broken_queues_are_found() {
    let spec = crate::support::yaml::document(QUEUED).expect("spec");
    let objects = compiled(QUEUED);
    let edit = |f: &dyn Fn(&mut Value)| -> Vec<String> {
        let mut objs = objects.clone();
        for o in &mut objs {
            f(o);
        }
        findings(&spec, &objs)
    };
    let is = |o: &Value, kind: &str, n: &str| o["kind"] == kind && name(o) == n;
    type Edit<'a> = Box<dyn Fn(&mut Value) + 'a>;
    let cases: Vec<(&str, Edit, &str)> = vec![
        (
            "quota below the job's total",
            Box::new(|o: &mut Value| {
                if is(o, "ClusterQueue", "kq-train") {
                    o["spec"]["resourceGroups"][0]["flavors"][1]["resources"][3]["nominalQuota"] =
                        "15".into();
                }
            }),
            "never admitted",
        ),
        (
            "namespace not selected",
            Box::new(|o: &mut Value| {
                if is(o, "ClusterQueue", "kq-tpu") {
                    o["spec"]["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"] =
                        "other".into();
                }
            }),
            "does not admit namespace",
        ),
        (
            "missing namespace selector",
            Box::new(|o: &mut Value| {
                if is(o, "ClusterQueue", "kq-tpu") {
                    o["spec"]
                        .as_object_mut()
                        .map(|s| s.remove("namespaceSelector"));
                }
            }),
            "does not admit namespace",
        ),
        (
            "flavor selecting another pool",
            Box::new(|o: &mut Value| {
                if is(o, "ResourceFlavor", "kq-v5e") {
                    o["spec"]["nodeLabels"][POOL_LABEL] = "h100".into();
                }
            }),
            "do not match",
        ),
        (
            "uncovered resource",
            Box::new(|o: &mut Value| {
                if is(o, "Job", "a") {
                    o["spec"]["template"]["spec"]["containers"][0]["resources"]["requests"]
                        ["example.com/fpga"] = "1".into();
                }
            }),
            "does not cover",
        ),
        (
            "not suspended",
            Box::new(|o: &mut Value| {
                if is(o, "Job", "c") {
                    o["spec"]["suspend"] = false.into();
                }
            }),
            "not created suspended",
        ),
        (
            "wrong LocalQueue",
            Box::new(|o: &mut Value| {
                if is(o, "LocalQueue", "tpu") {
                    o["metadata"]["name"] = "tpus".into();
                }
            }),
            "no LocalQueue tpu",
        ),
        (
            "missing priority class",
            Box::new(|o: &mut Value| {
                if is(o, "WorkloadPriorityClass", "kq-low") {
                    o["metadata"]["name"] = "kq-lowest".into();
                }
            }),
            "no WorkloadPriorityClass kq-low",
        ),
        (
            "resources out of order",
            Box::new(|o: &mut Value| {
                if is(o, "ClusterQueue", "kq-train") {
                    if let Some(r) =
                        o["spec"]["resourceGroups"][0]["flavors"][0]["resources"].as_array_mut()
                    {
                        r.swap(0, 1);
                    }
                }
            }),
            "in order",
        ),
        (
            "unqueued job suspended",
            Box::new(|o: &mut Value| {
                if is(o, "Job", "d") {
                    o["spec"]["suspend"] = true.into();
                }
            }),
            "in no queue",
        ),
    ];
    for (what, f, want) in cases {
        let found = edit(&*f);
        assert!(
            found.iter().any(|m| m.contains(want)),
            "{what}: expected `{want}` in {found:#?}"
        );
    }
}
