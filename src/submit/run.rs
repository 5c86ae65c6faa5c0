//! The commands: apply (and its dry run, plan), delete, status.

use super::gke::{self, Created, Gke};
use super::kube::{self, Kube, Outcome};
use super::ui::{self, Progress};
use super::{auth, kubeconfig, SubmitError, Tuning};
use crate::k8s::Object;
use crate::model::{End, Model};
use crate::Compilation;
use serde_json::Value;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// What every command needs.
#[derive(Debug, Clone, Default)]
pub struct Target {
    /// The spec file, or `-` for standard input.
    pub spec: String,
    pub gke_endpoint: Option<String>,
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
    let super::files::SpecSource {
        name: file,
        text: src,
    } = super::files::read_spec(spec)?;
    let a = crate::analyze(&src);
    if !a.diagnostics.is_empty() {
        eprint!("{}", crate::diag::render_text(&file, &src, &a.diagnostics));
    }
    Ok(match a.model {
        Some(m) => Ok(Compilation::new(m)),
        None => Err(1),
    })
}

struct Session {
    c: Compilation,
    gke: Gke,
    creds: auth::Credentials,
    tuning: Tuning,
}

fn session(t: &Target) -> Result<Result<Session, i32>, SubmitError> {
    let c = match load(&t.spec)? {
        Ok(c) => c,
        Err(code) => return Ok(Err(code)),
    };
    let tuning = Tuning::from_env();
    let creds = auth::credentials(t.access_token_file.as_deref())?;
    let gke = Gke::new(
        gke::base_url(t.gke_endpoint.as_deref()),
        creds.clone(),
        tuning.clone(),
    );
    Ok(Ok(Session {
        c,
        gke,
        creds,
        tuning,
    }))
}

fn cluster_label(m: &Model) -> String {
    format!(
        "cluster {} (project {}, location {})",
        m.cluster_name, m.project, m.location
    )
}

fn report_drift(c: &Compilation, live: &Value) -> usize {
    let d = gke::drift(c, live);
    for x in &d {
        eprintln!("drift: {x}");
    }
    for name in live["nodePools"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["name"].as_str())
        .filter(|n| !c.model.pools.iter().any(|p| p.name == *n))
    {
        eprintln!("note: node pool {name} is not in the spec; podwire leaves it alone");
    }
    d.len()
}

/// `podwire apply` (and `--dry-run` / `podwire plan`).
pub fn apply(t: &Target, o: &ApplyOptions) -> Result<i32, SubmitError> {
    let s = match session(t)? {
        Ok(s) => s,
        Err(code) => return Ok(code),
    };
    let c = &s.c;
    let m = &c.model;
    let deadline = Instant::now() + o.timeout;
    let dry = o.dry_run;
    let kubeconfig_path = kubeconfig::path(t.kubeconfig.as_deref())?;
    let context = crate::kubeconfig::context_name(m);

    let mut cluster = match s.gke.get_cluster(m)? {
        None if dry => {
            println!("would create {}", cluster_label(m));
            for p in &m.pools {
                println!("would create node pool {} ({})", p.name, p.machine_type);
            }
            println!(
                "would write kubeconfig context {context} to {}",
                kubeconfig_path.display()
            );
            for obj in &c.objects {
                println!("would create {}", kube::describe(obj));
            }
            println!(
                "plan: the cluster, {} node pool(s) and {} objects to create (nothing was changed)",
                m.pools.len(),
                c.objects.len()
            );
            return Ok(0);
        }
        None => {
            ui::confirm(&format!("create GKE {}", cluster_label(m)), o.yes)?;
            eprintln!("creating {}", cluster_label(m));
            match s.gke.create_cluster(c)? {
                Created::Operation(op) => s.gke.wait_operation(
                    m,
                    op,
                    &format!("create cluster {}", m.cluster_name),
                    deadline,
                )?,
                Created::Exists => eprintln!(
                    "cluster {} already exists (409); following it",
                    m.cluster_name
                ),
                Created::Busy(msg) => {
                    return Err(SubmitError::Api {
                        what: format!("create cluster {}", m.cluster_name),
                        status: 400,
                        message: msg,
                    })
                }
            }
            s.gke.wait_running(m, deadline)?
        }
        Some(live) => {
            let status = live["status"].as_str().unwrap_or("UNKNOWN").to_string();
            eprintln!("{} exists ({status})", cluster_label(m));
            if dry {
                if status != "RUNNING" {
                    println!(
                        "cluster {} is {status}: apply would wait for it to be RUNNING, then apply {} objects",
                        m.cluster_name,
                        c.objects.len()
                    );
                    report_drift(c, &live);
                    for p in gke::missing_pools(m, &live) {
                        println!("would create node pool {} ({})", p.name, p.machine_type);
                    }
                    return Ok(0);
                }
                live
            } else {
                s.gke.wait_running(m, deadline)?
            }
        }
    };

    report_drift(c, &cluster);

    let missing = gke::missing_pools(m, &cluster);
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
            println!("would create node pool {} ({})", p.name, p.machine_type);
            continue;
        }
        eprintln!("creating node pool {}", p.name);
        loop {
            match s.gke.create_node_pool(m, p)? {
                Created::Operation(op) => s.gke.wait_operation(
                    m,
                    op,
                    &format!("create node pool {}", p.name),
                    deadline,
                )?,
                Created::Exists => eprintln!("node pool {} already exists (409)", p.name),
                Created::Busy(msg) => {
                    // Another operation holds the cluster: wait, then retry.
                    eprintln!("node pool {}: {msg}; waiting for the cluster", p.name);
                    std::thread::sleep(s.tuning.poll);
                    s.gke.wait_running(m, deadline)?;
                    continue;
                }
            }
            break;
        }
    }
    if !missing.is_empty() && !dry {
        cluster = s.gke.wait_running(m, deadline)?;
    }

    let ep = crate::kubeconfig::endpoint_from_cluster(&cluster)?;
    if dry {
        println!(
            "would write kubeconfig context {context} to {}",
            kubeconfig_path.display()
        );
    } else {
        kubeconfig::write_merged(&kubeconfig_path, &crate::kubeconfig::value(m, Some(&ep)))?;
        eprintln!(
            "kubeconfig: context {context} written to {} (current context)",
            kubeconfig_path.display()
        );
    }

    let kube = Kube::new(&ep, s.creds.clone(), s.tuning.clone())?;
    let mut counts = [0usize; 3];
    for obj in &c.objects {
        let out = kube.apply(obj, dry)?;
        counts[out as usize] += 1;
        let line = format!("{}: {}", kube::describe(obj), out.as_str(dry));
        if dry {
            println!("{line}");
        } else {
            eprintln!("{line}");
        }
    }
    if dry {
        println!(
            "plan: {} to create, {} to change, {} unchanged (nothing was changed)",
            counts[Outcome::Created as usize],
            counts[Outcome::Configured as usize],
            counts[Outcome::Unchanged as usize]
        );
        return Ok(0);
    }
    if !o.no_wait {
        wait_ready(&kube, c, &s.tuning, deadline)?;
    }
    summary(c, &ep, &kube, &kubeconfig_path, counts)?;
    Ok(0)
}

fn wait_ready(
    kube: &Kube,
    c: &Compilation,
    tuning: &Tuning,
    deadline: Instant,
) -> Result<(), SubmitError> {
    let workloads: Vec<&Object> = c.objects.iter().filter(|o| kube::is_workload(o)).collect();
    if workloads.is_empty() {
        return Ok(());
    }
    let started = Instant::now();
    let mut progress = Progress::new("waiting for workloads");
    loop {
        let mut pending = Vec::new();
        for o in &workloads {
            match kube.get(&kube::object_path(o))? {
                None => pending.push(format!("{} missing", o.name())),
                Some(v) => match kube::readiness(o, &v) {
                    Ok(None) => {}
                    Ok(Some(p)) => pending.push(format!("{} {p}", o.name())),
                    Err(message) => {
                        return Err(SubmitError::Workload {
                            what: kube::describe(o),
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
                    .map(|o| o.name())
                    .collect::<Vec<_>>()
                    .join(", "),
                started.elapsed().as_secs()
            ));
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(SubmitError::Timeout {
                what: format!("workloads ({})", pending.join(", ")),
                secs: started.elapsed().as_secs(),
            });
        }
        progress.set(&format!("waiting: {}", pending.join(", ")));
        std::thread::sleep(tuning.poll);
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
    ep: &crate::kubeconfig::Endpoint,
    kube: &Kube,
    kubeconfig_path: &std::path::Path,
    counts: [usize; 3],
) -> Result<(), SubmitError> {
    let m = &c.model;
    println!("podwire: {} is applied", m.name);
    println!(
        "  cluster     {} ({}/{}), RUNNING, https://{}",
        m.cluster_name, m.project, m.location, ep.endpoint
    );
    println!(
        "  kubeconfig  {} (context {})",
        kubeconfig_path.display(),
        crate::kubeconfig::context_name(m)
    );
    println!(
        "  objects     {} in namespace {}: {} created, {} configured, {} unchanged",
        c.objects.len(),
        m.namespace,
        counts[Outcome::Created as usize],
        counts[Outcome::Configured as usize],
        counts[Outcome::Unchanged as usize]
    );
    let services: Vec<&Object> = c
        .objects
        .iter()
        .filter(|o| matches!(o, Object::Service(_)))
        .collect();
    if !services.is_empty() {
        println!("Services:");
    }
    for o in services {
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
            "  {:<20} {:<13} {}.{}.svc.cluster.local  ports: {}",
            o.name(),
            if headless { "headless" } else { ty.as_str() },
            o.name(),
            m.namespace,
            ports.join(", ")
        );
        if ty == "LoadBalancer" {
            let ip = kube
                .get(&kube::object_path(o))?
                .and_then(|v| {
                    let i = &v["status"]["loadBalancer"]["ingress"][0];
                    i["ip"]
                        .as_str()
                        .or_else(|| i["hostname"].as_str())
                        .map(str::to_string)
                })
                .unwrap_or_else(|| "pending".into());
            line.push_str(&format!("  address: {ip}"));
        }
        println!("{line}");
    }
    let peers: Vec<_> = m.workloads.iter().filter(|w| w.peers).collect();
    if !peers.is_empty() {
        println!("Peers (stable pod DNS names):");
    }
    for w in peers {
        let names: Vec<String> = (0..w.replicas)
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
        println!("  {} ({} pods): {shown}", w.name, w.replicas);
    }
    if !m.flows.is_empty() {
        println!("Connections (all other traffic is denied):");
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
        println!(
            "  {} -> {}: {ports}",
            end_name(m, &f.from),
            end_name(m, &f.to)
        );
    }
    Ok(())
}

/// `podwire status`.
pub fn status(t: &Target) -> Result<i32, SubmitError> {
    let s = match session(t)? {
        Ok(s) => s,
        Err(code) => return Ok(code),
    };
    let m = &s.c.model;
    let Some(live) = s.gke.get_cluster(m)? else {
        println!("{}: does not exist", cluster_label(m));
        return Ok(0);
    };
    let status = live["status"].as_str().unwrap_or("UNKNOWN");
    println!(
        "{}: {status}{}",
        cluster_label(m),
        live["endpoint"]
            .as_str()
            .map(|e| format!(", endpoint https://{e}"))
            .unwrap_or_default()
    );
    if let Some(msg) = live["statusMessage"].as_str().filter(|s| !s.is_empty()) {
        println!("  message: {msg}");
    }
    for p in live["nodePools"].as_array().into_iter().flatten() {
        println!(
            "  node pool {}: {} ({})",
            p["name"].as_str().unwrap_or_default(),
            p["status"].as_str().unwrap_or("UNKNOWN"),
            p["config"]["machineType"].as_str().unwrap_or_default()
        );
    }
    for p in gke::missing_pools(m, &live) {
        println!("  node pool {}: not created", p.name);
    }
    report_drift(&s.c, &live);
    if status != "RUNNING" && status != "DEGRADED" {
        return Ok(0);
    }
    let ep = crate::kubeconfig::endpoint_from_cluster(&live)?;
    let kube = Kube::new(&ep, s.creds.clone(), s.tuning.clone())?;
    for o in &s.c.objects {
        let state = match kube.get(&kube::object_path(o))? {
            None => "absent".to_string(),
            Some(v) => match kube::readiness(o, &v) {
                Ok(None) if kube::is_workload(o) => "ready".into(),
                Ok(None) => "present".into(),
                Ok(Some(p)) => p,
                Err(e) => format!("failed: {e}"),
            },
        };
        println!("  {}: {state}", kube::describe(o));
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
    let s = match session(t)? {
        Ok(s) => s,
        Err(code) => return Ok(code),
    };
    let c = &s.c;
    let m = &c.model;
    let deadline = Instant::now() + timeout;
    let Some(live) = s.gke.get_cluster(m)? else {
        println!("{}: does not exist; nothing to delete", cluster_label(m));
        return Ok(0);
    };
    let what = if with_cluster {
        format!(
            "delete the {} objects of {} and the GKE {}",
            c.objects.len(),
            m.name,
            cluster_label(m)
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
    if matches!(status, "RUNNING" | "DEGRADED" | "RECONCILING") {
        let ep = crate::kubeconfig::endpoint_from_cluster(&live)?;
        let kube = Kube::new(&ep, s.creds.clone(), s.tuning.clone())?;
        for o in c.objects.iter().rev() {
            let gone = if kube.delete(o)? {
                "deleted"
            } else {
                "already absent"
            };
            println!("{}: {gone}", kube::describe(o));
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
                s.gke.wait_operation(
                    m,
                    op,
                    &format!("delete cluster {}", m.cluster_name),
                    deadline,
                )?;
                println!("cluster {}: deleted", m.cluster_name);
                let path = kubeconfig::path(t.kubeconfig.as_deref())?;
                let context = crate::kubeconfig::context_name(m);
                if kubeconfig::remove_entries(&path, &context)? {
                    println!(
                        "kubeconfig: removed context {context} from {}",
                        path.display()
                    );
                }
            }
            None => println!("cluster {}: already absent", m.cluster_name),
        }
    }
    Ok(0)
}
