//! Connections: both ends resolved, the target reachable through a
//! Service, and the ports it listens on.

use super::validate::{cidr, dns1123};
use super::{at, Checker};
use crate::diag::{codes, did_you_mean};
use crate::model::{self, End, Flow};
use crate::spec::{self, Endpoint, PortRef, Protocol};
use std::collections::HashMap;

/// Check one connection and resolve it into a flow.
pub(super) fn check_connection(
    checker: &mut Checker,
    path: &str,
    c: &spec::Connection,
    by_name: &HashMap<&str, usize>,
    wls: &[Option<model::Workload>],
    private_nodes: bool,
) -> Option<Flow> {
    let mut ok = true;
    let mut end = |checker: &mut Checker, e: &Endpoint, side: &str| -> Option<End> {
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
                    checker.err(
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
                    checker.err(
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
                    checker.err(
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
    let from = end(checker, &c.from, "from");
    let to = end(checker, &c.to, "to");
    let (from, to) = (from?, to?);
    if !matches!(from, End::Workload(_)) && !matches!(to, End::Workload(_)) {
        checker.err(
            codes::BAD_CONNECTION,
            path,
            "a connection needs a workload at one end at least",
            Some("podwire only makes policies for its own workloads".to_string()),
        );
        return None;
    }
    let ports_path = at(path, ".ports");
    if c.ports.is_empty() && checker.is_written(&ports_path, path) {
        checker.err(
            codes::BAD_CONNECTION,
            &ports_path,
            "`ports: []` allows no port at all",
            Some("omit `ports` to allow all of the target's ports, or list some".to_string()),
        );
        ok = false;
    }
    if to == End::Internet && private_nodes {
        checker.warn(
            codes::NEEDS_NAT,
            &at(path, ".to"),
            "with `privateNodes` the nodes have no external addresses: egress to the internet needs Cloud NAT",
            Some("set up Cloud NAT for the cluster's network and region (podwire does not create it)".to_string()),
        );
    }
    let target = match &to {
        End::Workload(i) => wls.get(*i).and_then(|w| w.as_ref()),
        _ => None,
    };
    // The target's ports the decoder could not read: its Service and port
    // names are unknown, and any complaint about them would follow from
    // the error already reported there.
    let target_ports_unknown = match &to {
        End::Workload(i) => checker.poison_within(&format!("workloads[{i}].ports")),
        _ => false,
    };
    if target_ports_unknown {
        ok = false;
    }
    let target = target.filter(|_| !target_ports_unknown);
    if let (End::Workload(_), Some(t)) = (&to, target) {
        if t.service.is_none() {
            checker.err(
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
                    checker.err(
                        codes::UNKNOWN_PORT,
                        &pp,
                        format!("`{}` has no port named `{n}`", t.name),
                        Some(help),
                    );
                    ok = false;
                }
            },
            // A number allows every protocol the target listens on at it.
            (PortRef::Number(n), Some(t)) => {
                let before = ports.len();
                ports.extend(
                    t.ports
                        .iter()
                        .filter(|q| q.port == *n)
                        .map(|q| (q.port, q.protocol)),
                );
                if ports.len() == before {
                    checker.err(
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
            }
            // A workload target that did not resolve: reported where it is.
            (PortRef::Name(_), None) if matches!(to, End::Workload(_)) => ok = false,
            (PortRef::Name(n), None) => {
                checker.err(
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
