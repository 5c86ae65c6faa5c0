//! A workload's ports: names, duplicates, and the ports podwire adds or
//! needs free (the rendezvous port of `distributed`, TPU Multislice's
//! MegaScale port).

use super::super::validate::iana_svc_name;
use super::super::Checker;
use crate::diag::codes;
use crate::model::{self, Framework};
use crate::spec::{self, Protocol};

/// The workload's ports, with those podwire adds, and where a distributed
/// workload meets (framework and rendezvous port).
pub(super) fn ports(
    checker: &mut Checker,
    path: &str,
    w: &spec::Workload,
    framework: Option<Framework>,
    multislice: bool,
) -> (Vec<model::Port>, Option<(Framework, u16)>) {
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
        match crate::check::slices::megascale_port(&ports) {
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
                    crate::check::slices::MEGASCALE_DEFAULT_PORT,
                    ports[by].name
                ),
                Some(
                    "name a free port `megascale` (`{name: megascale, port: N}`), or move this one"
                        .to_string(),
                ),
            ),
        }
    }
    (ports, distributed)
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
}
