//! The commands: apply (and its dry run, plan), delete, status.

use super::compute::{self, Compute};
use super::gke::{self, Gke};
use super::kube::Kube;
use super::ui::{self, note, out, Progress};
use super::{auth, kubeconfig, Deadline, SubmitError, Tuning};
use crate::k8s::Object;
use crate::model::{service_dns, End, Model};
use crate::plan::discovery::unserved_message;
use crate::plan::drift;
use crate::plan::gke::{api_server_up, Created};
use crate::plan::kube::{delete_order, load_balancer_address, Manifest, Outcome};
use crate::plan::readiness::{self, awaiting_admission, readiness, waits_for, Readiness};
use crate::plan::reapply;
use crate::plan::reply::ReplyError;
use crate::plan::secrets;
use crate::Compilation;
use serde_json::Value;
use std::path::PathBuf;
use std::time::Duration;

/// What every command needs.
#[derive(Debug, Clone, Default)]
pub struct Target {
    /// The spec file, or `-` for standard input.
    pub spec: String,
    pub gke_endpoint: Option<String>,
    /// The Compute Engine API root (the GPUDirect networks).
    pub compute_endpoint: Option<String>,
    pub access_token_file: Option<PathBuf>,
    pub kubeconfig: Option<PathBuf>,
}

#[derive(Debug, Clone, Default)]
pub struct ApplyOptions {
    pub yes: bool,
    pub dry_run: bool,
    pub no_wait: bool,
    pub timeout: Duration,
}

/// Read and compile the spec; `Err(1)` (after printing the diagnostics)
/// when it has errors.
fn load(spec: &str) -> Result<Result<Compilation, i32>, SubmitError> {
    let super::files::SpecSource { name: file, bytes } = super::files::read_spec(spec)?;
    let (src, a) = crate::analyze_bytes(&bytes);
    if !a.diagnostics.is_empty() {
        let text = crate::diag::render_text(&file, &src, &a.diagnostics);
        note(text.trim_end_matches('\n'));
    }
    Ok(a.into_compilation().ok_or(1))
}

struct Session {
    c: Compilation,
    gke: Gke,
    compute: Compute,
    creds: auth::Credentials,
    tuning: Tuning,
    deadline: Deadline,
}

impl Session {
    fn kube(&self, ep: &crate::kubeconfig::Endpoint) -> Result<Kube, SubmitError> {
        Kube::new(ep, self.creds.clone(), self.tuning.clone(), self.deadline)
    }
}

/// Compile the spec, check the endpoint, get credentials; the deadline
/// starts here.
fn session(t: &Target, timeout: Duration) -> Result<Result<Session, i32>, SubmitError> {
    let deadline = Deadline::after(timeout);
    let c = match load(&t.spec)? {
        Ok(c) => c,
        Err(code) => return Ok(Err(code)),
    };
    // Refused before any credential is read or any connection is made.
    let base = gke::base_url(t.gke_endpoint.as_deref())?;
    let compute_base = compute::base_url(t.compute_endpoint.as_deref())?;
    let tuning = Tuning::from_env();
    let creds = auth::credentials(t.access_token_file.as_deref(), &deadline)?;
    let gke = Gke::new(base, creds.clone(), tuning.clone(), deadline);
    let compute = Compute::new(compute_base, creds.clone(), tuning.clone(), deadline);
    Ok(Ok(Session {
        c,
        gke,
        compute,
        creds,
        tuning,
        deadline,
    }))
}

fn cluster_label(m: &Model) -> String {
    format!(
        "cluster {} (project {}, location {})",
        m.cluster_name, m.project, m.location
    )
}

fn report_drift(c: &Compilation, live: &Value) -> usize {
    let d = drift::drift(c, live);
    for x in &d {
        note(&format!("drift: {x}"));
    }
    for name in drift::unmanaged_pools(&c.model, live) {
        note(&format!(
            "note: node pool {name} is not in the spec; podwire leaves it alone"
        ));
    }
    d.len()
}

/// `podwire apply` (and `--dry-run` / `podwire plan`).
pub fn apply(t: &Target, o: &ApplyOptions) -> Result<i32, SubmitError> {
    let s = match session(t, o.timeout)? {
        Ok(s) => s,
        Err(code) => return Ok(code),
    };
    let c = &s.c;
    let m = &c.model;
    let dry = o.dry_run;
    let kubeconfig_path = kubeconfig::path(t.kubeconfig.as_deref())?;
    let context = crate::kubeconfig::context_name(m);

    // The GPUDirect networks come first: the cluster's pools attach to them.
    let networks = super::networks::ensure(&s.compute, c, dry, o.yes)?;

    let mut cluster = match s.gke.get_cluster(m)? {
        None if dry => {
            out(&format!("would create {}", cluster_label(m)));
            for p in &m.pools {
                out(&format!(
                    "would create node pool {} ({})",
                    p.name, p.machine_type
                ));
            }
            out(&format!(
                "would write kubeconfig context {context} to {}",
                kubeconfig_path.display()
            ));
            for obj in &manifests(c)? {
                out(&format!("would create {}", obj.describe()));
            }
            let nets = if networks > 0 {
                format!("{networks} network resource(s), ")
            } else {
                String::new()
            };
            out(&format!(
                "plan: {nets}the cluster, {} node pool(s) and {} objects to create (nothing was changed)",
                m.pools.len(),
                c.objects.len()
            ));
            return Ok(0);
        }
        None => {
            ui::confirm(&format!("create GKE {}", cluster_label(m)), o.yes)?;
            note(&format!("creating {}", cluster_label(m)));
            match s.gke.create_cluster(c)? {
                Created::Operation(op) => {
                    s.gke
                        .wait_operation(m, op, &format!("create cluster {}", m.cluster_name))?
                }
                Created::Exists => note(&format!(
                    "cluster {} already exists (409); following it",
                    m.cluster_name
                )),
                Created::Busy(msg) => {
                    return Err(SubmitError::Api {
                        what: format!("create cluster {}", m.cluster_name),
                        status: 400,
                        message: msg,
                    })
                }
            }
            s.gke.wait_running(m)?
        }
        Some(live) => {
            let status = live["status"].as_str().unwrap_or("UNKNOWN").to_string();
            note(&format!("{} exists ({status})", cluster_label(m)));
            if dry {
                if !matches!(
                    crate::plan::gke::cluster_state(&live),
                    crate::plan::gke::ClusterState::Ready { .. }
                ) {
                    out(&format!(
                        "cluster {} is {status}: apply would wait for it to be RUNNING, then apply {} objects",
                        m.cluster_name,
                        c.objects.len()
                    ));
                    report_drift(c, &live);
                    for p in drift::missing_pools(m, &live) {
                        out(&format!(
                            "would create node pool {} ({})",
                            p.name, p.machine_type
                        ));
                    }
                    return Ok(0);
                }
                live
            } else {
                s.gke.wait_running(m)?
            }
        }
    };

    report_drift(c, &cluster);

    let missing = drift::missing_pools(m, &cluster);
    if !missing.is_empty() && !dry {
        let names: Vec<&str> = missing.iter().map(|p| p.name.as_str()).collect();
        ui::confirm(
            &format!(
                "create node pool(s) {} in cluster {}",
                names.join(", "),
                m.cluster_name
            ),
            o.yes,
        )?;
    }
    for p in &missing {
        if dry {
            out(&format!(
                "would create node pool {} ({})",
                p.name, p.machine_type
            ));
            continue;
        }
        note(&format!("creating node pool {}", p.name));
        s.gke.create_node_pool_when_free(m, p)?;
    }
    if !missing.is_empty() && !dry {
        cluster = s.gke.wait_running(m)?;
    }

    let ep = crate::kubeconfig::endpoint_from_cluster(&cluster)?;
    if dry {
        out(&format!(
            "would write kubeconfig context {context} to {}",
            kubeconfig_path.display()
        ));
    } else {
        kubeconfig::write_merged_within(
            &kubeconfig_path,
            &crate::kubeconfig::value(m, Some(&ep)),
            &s.deadline,
        )?;
        note(&format!(
            "kubeconfig: context {context} written to {} (current context)",
            kubeconfig_path.display()
        ));
    }

    let kube = s.kube(&ep)?;
    let objects = manifests(c)?;
    let counts = apply_objects(&kube, &objects, dry)?;
    if dry {
        out(&format!(
            "plan: {} to create, {} to change, {} unchanged (nothing was changed)",
            counts[Outcome::Created as usize],
            counts[Outcome::Configured as usize],
            counts[Outcome::Unchanged as usize]
        ));
        return Ok(0);
    }
    if !o.no_wait {
        wait_ready(&kube, &objects, &s.tuning, &s.deadline)?;
    }
    summary(c, &objects, &ep, &kube, &kubeconfig_path, counts)?;
    Ok(0)
}

/// The compiled objects as the submitter applies them.
fn manifests(c: &Compilation) -> Result<Vec<Manifest>, SubmitError> {
    Ok(c.objects
        .iter()
        .map(Manifest::of)
        .collect::<Result<Vec<_>, _>>()?)
}

/// The Kubernetes half of `podwire apply` (and of its dry run): apply
/// `objects` in their order, each at the resource discovery names for its
/// kind. Before anything is applied, every kind must be served (else
/// [`SubmitError::NotServed`], with how to install what is missing); before
/// the first object that starts pods, every Secret the pod templates
/// reference must exist with its keys (else
/// [`SubmitError::MissingSecrets`], naming them all). Returns how many
/// objects were created, configured and left unchanged.
pub fn apply_objects(
    kube: &Kube,
    objects: &[Manifest],
    dry: bool,
) -> Result<[usize; 3], SubmitError> {
    let unserved = kube.unserved(objects)?;
    if !unserved.is_empty() {
        return Err(SubmitError::NotServed(unserved_message(&unserved)));
    }
    if !dry {
        check_changeable(kube, objects)?;
    }
    let mut counts = [0usize; 3];
    let mut secrets_checked = false;
    for m in objects {
        if !secrets_checked && secrets::starts_pods(m) {
            check_secrets(kube, objects)?;
            secrets_checked = true;
        }
        let outcome = kube.apply(m, dry)?;
        counts[outcome as usize] += 1;
        let line = format!("{}: {}", m.describe(), outcome.as_str(dry));
        if dry {
            out(&line);
        } else {
            note(&line);
        }
    }
    Ok(counts)
}

/// Jobs and JobSets are dry-run before anything is applied: once they
/// exist their pod templates are immutable, and the API server refuses (422)
/// an apply that changes one (a new image, say). Found here, such an apply
/// changes nothing, rather than the objects before the job.
fn check_changeable(kube: &Kube, objects: &[Manifest]) -> Result<(), SubmitError> {
    let mut refused = Vec::new();
    for m in objects.iter().filter(|m| reapply::immutable_template(m)) {
        // A new one has nothing to refuse.
        if kube.get(m)?.is_none() {
            continue;
        }
        match kube.apply(m, true) {
            Ok(_) => {}
            Err(SubmitError::Reply {
                source:
                    ReplyError::Api {
                        status: 422,
                        message,
                    },
                ..
            }) => refused.push((m.describe(), message)),
            Err(e) => return Err(e),
        }
    }
    if refused.is_empty() {
        Ok(())
    } else {
        Err(SubmitError::Unchangeable(reapply::immutable_message(
            &refused,
        )))
    }
}

/// Every Secret the objects' pod templates reference, read by name (its
/// keys only); all that are missing, or lack a key, in one error.
fn check_secrets(kube: &Kube, objects: &[Manifest]) -> Result<(), SubmitError> {
    let mut missing = Vec::new();
    for r in secrets::secret_refs(objects) {
        match kube.secret_keys(&r.namespace, &r.name)? {
            secrets::Live::Keys(keys) => missing.extend(secrets::missing(&r, Some(&keys))),
            secrets::Live::Absent => missing.extend(secrets::missing(&r, None)),
            // RBAC may allow creating workloads without reading Secrets: say
            // so, and let the pods report it if one is missing.
            secrets::Live::Forbidden(why) => note(&format!(
                "note: cannot check Secret {}/{} (used by {}): {why}",
                r.namespace,
                r.name,
                r.used_by.join(", ")
            )),
        }
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(SubmitError::MissingSecrets(secrets::missing_message(
            &missing,
        )))
    }
}

/// A workload's readiness, with its Kueue Workload read when it waits for
/// admission.
fn workload_state(kube: &Kube, m: &Manifest, live: &Value) -> Result<Readiness, SubmitError> {
    let workload = match (
        awaiting_admission(m, live),
        readiness::workload_selector(live),
        m.namespace.as_deref(),
    ) {
        (true, Some(selector), Some(ns)) => kube.kueue_workload(ns, &selector)?,
        _ => None,
    };
    Ok(readiness(m, live, workload.as_ref()))
}

/// How the wait names an object: a workload by its name, a Gateway or an
/// HTTPRoute with its kind (a route is named after its workload).
fn wait_label(m: &Manifest) -> String {
    if m.group() == readiness::GATEWAY_GROUP {
        format!("{} {}", m.kind, m.name)
    } else {
        m.name.clone()
    }
}

/// Wait until every workload of `objects` is ready (see
/// [`crate::plan::readiness`]), within the deadline; a failed one ends the
/// wait with its message.
pub fn wait_ready(
    kube: &Kube,
    objects: &[Manifest],
    tuning: &Tuning,
    deadline: &Deadline,
) -> Result<(), SubmitError> {
    let workloads: Vec<&Manifest> = objects.iter().filter(|m| waits_for(m)).collect();
    if workloads.is_empty() {
        return Ok(());
    }
    let started = std::time::Instant::now();
    let mut progress = Progress::new("waiting for workloads");
    loop {
        let mut pending = Vec::new();
        let mut notes = Vec::new();
        for m in &workloads {
            match kube.get(m)? {
                None => pending.push(format!("{} missing", wait_label(m))),
                Some(live) => match workload_state(kube, m, &live)? {
                    Readiness::Ready { note } => {
                        notes.extend(note.map(|n| format!("  {}: {n}", m.describe())))
                    }
                    Readiness::Waiting(p) => pending.push(format!("{} {p}", wait_label(m))),
                    Readiness::Failed(message) => {
                        return Err(SubmitError::Workload {
                            what: m.describe(),
                            message,
                        })
                    }
                },
            }
        }
        if pending.is_empty() {
            progress.finish(&format!(
                "workloads ready: {} ({}s)",
                workloads
                    .iter()
                    .map(|m| wait_label(m))
                    .collect::<Vec<_>>()
                    .join(", "),
                started.elapsed().as_secs()
            ));
            for n in notes {
                note(&n);
            }
            return Ok(());
        }
        progress.set(&format!("waiting: {}", pending.join(", ")));
        deadline.sleep_poll(tuning.poll, || {
            format!("workloads to be ready ({})", pending.join(", "))
        })?;
    }
}

fn end_name(m: &Model, e: &End) -> String {
    match e {
        End::Workload(i) => m
            .workloads
            .get(*i)
            .map(|w| w.name.clone())
            .unwrap_or_default(),
        End::Internet => "internet".into(),
        End::Cidr(c) => c.clone(),
        End::Namespace(n) => format!("namespace {n}"),
    }
}

fn summary(
    c: &Compilation,
    objects: &[Manifest],
    ep: &crate::kubeconfig::Endpoint,
    kube: &Kube,
    kubeconfig_path: &std::path::Path,
    counts: [usize; 3],
) -> Result<(), SubmitError> {
    let m = &c.model;
    out(&format!("podwire: {} is applied", m.name));
    out(&format!(
        "  cluster     {} ({}/{}), RUNNING, https://{}",
        m.cluster_name, m.project, m.location, ep.endpoint
    ));
    out(&format!(
        "  kubeconfig  {} (context {})",
        kubeconfig_path.display(),
        crate::kubeconfig::context_name(m)
    ));
    out(&format!(
        "  objects     {} in namespace {}: {} created, {} configured, {} unchanged",
        c.objects.len(),
        m.namespace,
        counts[Outcome::Created as usize],
        counts[Outcome::Configured as usize],
        counts[Outcome::Unchanged as usize]
    ));
    let services: Vec<(&Object, &Manifest)> = c
        .objects
        .iter()
        .zip(objects)
        .filter(|(o, _)| matches!(o, Object::Service(_)))
        .collect();
    if !services.is_empty() {
        out("Services:");
    }
    for (o, manifest) in services {
        let Object::Service(svc) = o else { continue };
        let spec = svc.spec.clone().unwrap_or_default();
        let ty = spec.type_.clone().unwrap_or_else(|| "ClusterIP".into());
        let headless = spec.cluster_ip.as_deref() == Some("None");
        let ports: Vec<String> = spec
            .ports
            .iter()
            .flatten()
            .map(|p| match &p.name {
                Some(n) => format!("{n} {}", p.port),
                None => p.port.to_string(),
            })
            .collect();
        let mut line = format!(
            "  {:<20} {:<13} {}  ports: {}",
            o.name(),
            if headless { "headless" } else { ty.as_str() },
            service_dns(o.name(), &m.namespace),
            ports.join(", ")
        );
        if ty == "LoadBalancer" {
            let ip = kube
                .get(manifest)?
                .and_then(|v| load_balancer_address(&v))
                .unwrap_or_else(|| "pending".into());
            line.push_str(&format!("  address: {ip}"));
        }
        out(&line);
    }
    let gateways: Vec<&Manifest> = objects
        .iter()
        .filter(|o| o.group() == readiness::GATEWAY_GROUP && o.kind == "Gateway")
        .collect();
    if !gateways.is_empty() {
        out("Gateways:");
    }
    for g in gateways {
        let addresses = kube
            .get(g)?
            .map(|v| readiness::gateway_addresses(&v))
            .unwrap_or_default();
        out(&format!(
            "  {:<20} {}  address: {}",
            g.name,
            g.json["spec"]["gatewayClassName"]
                .as_str()
                .unwrap_or_default(),
            if addresses.is_empty() {
                "pending".to_string()
            } else {
                addresses.join(", ")
            }
        ));
    }
    let peers: Vec<_> = m.workloads.iter().filter(|w| w.peers).collect();
    if !peers.is_empty() {
        out("Peers (stable pod DNS names):");
    }
    for w in peers {
        let names: Vec<String> = (0..w.pod_count())
            .filter_map(|i| w.pod_dns(i, &m.namespace))
            .collect();
        let shown = if names.len() > 4 {
            format!(
                "{}, {}, ..., {}",
                names[0],
                names[1],
                names[names.len() - 1]
            )
        } else {
            names.join(", ")
        };
        out(&format!("  {} ({} pods): {shown}", w.name, w.pod_count()));
    }
    if !m.flows.is_empty() {
        out("Connections (all other traffic is denied):");
    }
    for f in &m.flows {
        let ports = if f.ports.is_empty() {
            "all ports".to_string()
        } else {
            f.ports
                .iter()
                .map(|(p, proto)| format!("{p}/{}", proto.as_str()))
                .collect::<Vec<_>>()
                .join(", ")
        };
        out(&format!(
            "  {} -> {}: {ports}",
            end_name(m, &f.from),
            end_name(m, &f.to)
        ));
    }
    Ok(())
}

/// The endpoint and CA of a cluster whose API server is up; a cluster that
/// GKE reports without them is an error that says so.
fn reachable(m: &Model, live: &Value) -> Result<crate::kubeconfig::Endpoint, SubmitError> {
    if let crate::plan::gke::ClusterState::Unreachable { status, missing } =
        crate::plan::gke::cluster_state(live)
    {
        return Err(SubmitError::ClusterFailed {
            name: m.cluster_name.clone(),
            status,
            message: format!(
                "GKE reports it without {missing}, so its Kubernetes API cannot be reached; check it with `gcloud container clusters describe`"
            ),
        });
    }
    Ok(crate::kubeconfig::endpoint_from_cluster(live)?)
}

/// `podwire status`.
pub fn status(t: &Target, timeout: Duration) -> Result<i32, SubmitError> {
    let s = match session(t, timeout)? {
        Ok(s) => s,
        Err(code) => return Ok(code),
    };
    let m = &s.c.model;
    let Some(live) = s.gke.get_cluster(m)? else {
        out(&format!("{}: does not exist", cluster_label(m)));
        return Ok(0);
    };
    let status = live["status"].as_str().unwrap_or("UNKNOWN");
    out(&format!(
        "{}: {status}{}",
        cluster_label(m),
        live["endpoint"]
            .as_str()
            .map(|e| format!(", endpoint https://{e}"))
            .unwrap_or_default()
    ));
    if let Some(msg) = live["statusMessage"].as_str().filter(|s| !s.is_empty()) {
        out(&format!("  message: {msg}"));
    }
    for p in live["nodePools"].as_array().into_iter().flatten() {
        out(&format!(
            "  node pool {}: {} ({})",
            p["name"].as_str().unwrap_or_default(),
            p["status"].as_str().unwrap_or("UNKNOWN"),
            p["config"]["machineType"].as_str().unwrap_or_default()
        ));
    }
    for p in drift::missing_pools(m, &live) {
        out(&format!("  node pool {}: not created", p.name));
    }
    report_drift(&s.c, &live);
    if !api_server_up(status) {
        return Ok(0);
    }
    let ep = reachable(m, &live)?;
    let kube = s.kube(&ep)?;
    for m in &manifests(&s.c)? {
        let served = kube.serves(m)?;
        let live = if served { kube.get(m)? } else { None };
        let state = if !served {
            format!(
                "absent (the cluster does not serve {} {})",
                m.api_version, m.kind
            )
        } else {
            match &live {
                None => "absent".to_string(),
                Some(live) => match workload_state(&kube, m, live)? {
                    // A Gateway's note is its address.
                    Readiness::Ready { note: Some(n) } if m.group() == readiness::GATEWAY_GROUP => {
                        format!("ready, {n}")
                    }
                    Readiness::Ready { .. } if waits_for(m) => "ready".into(),
                    Readiness::Ready { .. } => "present".into(),
                    Readiness::Waiting(p) => p,
                    Readiness::Failed(e) => format!("failed: {e}"),
                },
            }
        };
        out(&format!("  {}: {state}", m.describe()));
        // A LeaderWorkerSet's replica groups, one line each, from its pods.
        if let (Some(selector), Some(ns), Some(live)) = (
            readiness::group_pod_selector(m),
            m.namespace.as_deref(),
            live.as_ref(),
        ) {
            let pods = kube.pods(ns, &selector)?;
            for g in readiness::groups(m, live, &pods) {
                out(&format!("    {}", g.line()));
            }
        }
    }
    Ok(0)
}

/// `podwire delete` (with `--cluster`, the cluster too).
pub fn delete(
    t: &Target,
    yes: bool,
    with_cluster: bool,
    timeout: Duration,
) -> Result<i32, SubmitError> {
    let s = match session(t, timeout)? {
        Ok(s) => s,
        Err(code) => return Ok(code),
    };
    let c = &s.c;
    let m = &c.model;
    let networks = super::networks::how_many(c).filter(|_| with_cluster);
    let Some(live) = s.gke.get_cluster(m)? else {
        out(&format!(
            "{}: does not exist; nothing to delete",
            cluster_label(m)
        ));
        // A cluster create that failed may have left the networks behind.
        if let Some(n) = networks {
            ui::confirm(
                &format!("delete the GPUDirect networks of {} ({n})", m.name),
                yes,
            )?;
            super::networks::remove(&s.compute, c)?;
        }
        return Ok(0);
    };
    let what = if with_cluster {
        format!(
            "delete the {} objects of {} and the GKE {}{}",
            c.objects.len(),
            m.name,
            cluster_label(m),
            networks
                .map(|n| format!(", then its GPUDirect networks ({n})"))
                .unwrap_or_default()
        )
    } else {
        format!(
            "delete the {} objects of {} (namespace {}) from cluster {}",
            c.objects.len(),
            m.name,
            m.namespace,
            m.cluster_name
        )
    };
    ui::confirm(&what, yes)?;
    let status = live["status"].as_str().unwrap_or("UNKNOWN");
    if api_server_up(status) {
        let ep = reachable(m, &live)?;
        let kube = s.kube(&ep)?;
        let objects = manifests(c)?;
        for m in delete_order(&objects) {
            // A kind the cluster does not serve has no objects to delete.
            let gone = if !kube.serves(m)? {
                "already absent (the cluster does not serve its kind)"
            } else if kube.delete(m)? {
                "deleted"
            } else {
                "already absent"
            };
            out(&format!("{}: {gone}", m.describe()));
        }
    } else if !with_cluster {
        return Err(SubmitError::ClusterFailed {
            name: m.cluster_name.clone(),
            status: status.to_string(),
            message: "its workloads cannot be reached; try again when it is RUNNING".into(),
        });
    }
    if with_cluster {
        match s.gke.delete_cluster(m)? {
            Some(op) => {
                s.gke
                    .wait_operation(m, op, &format!("delete cluster {}", m.cluster_name))?;
                out(&format!("cluster {}: deleted", m.cluster_name));
                let path = kubeconfig::path(t.kubeconfig.as_deref())?;
                let context = crate::kubeconfig::context_name(m);
                if kubeconfig::remove_entries_within(&path, &context, &s.deadline)? {
                    out(&format!(
                        "kubeconfig: removed context {context} from {}",
                        path.display()
                    ));
                }
            }
            None => out(&format!("cluster {}: already absent", m.cluster_name)),
        }
        // Only once the cluster's nodes no longer use them.
        super::networks::remove(&s.compute, c)?;
    }
    Ok(0)
}
