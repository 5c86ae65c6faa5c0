//! Seeded random specs that compile cleanly: workloads of every kind, ports
//! of several protocols (one number on two protocols now and then), peers,
//! rendezvous, Services and load balancers, and connections between
//! workloads, the internet, CIDRs and other namespaces; services with
//! health checks, autoscaling (on CPU or a scraped metric) and disruption
//! budgets; multi-host serving groups (`groupSize`, a LeaderWorkerSet);
//! routes through Gateways, over HTTP or HTTPS.
//! A seed reproduces a
//! spec exactly, so a failing one is reported by its seed.

use std::fmt::Write as _;

/// splitmix64: small, seedable, and enough for picking shapes.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

struct GenPort {
    name: String,
    port: u16,
    protocol: &'static str,
    /// Whether the spec writes the name (else it is the default `p<port>`).
    written: bool,
}

struct GenWorkload {
    name: String,
    ports: Vec<GenPort>,
    /// Whether a connection may target it (it has a Service).
    has_service: bool,
}

const NAMES: &[&str] = &["api", "worker", "db", "cache", "train", "infer"];
const NUMBERS: &[u16] = &[80, 443, 5353, 6379, 8000, 8080, 9090];
const CIDRS: &[&str] = &[
    "10.0.0.0/8",
    "203.0.113.0/24",
    "192.168.0.0/16",
    "35.191.0.0/16",
];
const NAMESPACES: &[&str] = &["monitoring", "other-team"];

/// One spec, as YAML text.
pub fn spec(seed: u64) -> String {
    let mut rng = Rng::new(seed);
    let mut y = String::new();
    let _ = writeln!(y, "apiVersion: podwire.dev/v1alpha1\nkind: AIWorkload");
    let _ = writeln!(y, "metadata: {{name: gen-{seed}}}");
    // Routes come from a stream of their own, so that adding them left
    // every other choice of the seeded specs as it was.
    let mut routes = Rng::new(seed ^ 0x9a7e_4a11);
    // So do LeaderWorkerSet groups (`groupSize`), and the TLS of each
    // Gateway (one for all its routes: they share its listeners), each
    // certificate of the kinds that class takes.
    let mut groups = Rng::new(seed ^ 0x6a0c_5e7d);
    let mut certs = Rng::new(seed ^ 0x7150_ce27);
    let internal_tls = *certs.pick(&[
        "",
        "",
        ", tls: {secret: gen-tls}",
        ", tls: {certificate: gen-cert}",
        ", tls: {preSharedCerts: [gen-a, gen-b]}",
    ]);
    let external_tls = *certs.pick(&[
        "",
        "",
        ", tls: {secret: gen-tls}",
        ", tls: {certificateMap: gen-map}",
        ", tls: {preSharedCerts: [gen-cert]}",
    ]);
    let _ = writeln!(
        y,
        "gcp: {{project: my-project, location: us-central1-a, proxySubnet: 10.129.0.0/23}}"
    );
    let _ = writeln!(y, "cluster:");
    if rng.chance(30) {
        let _ = writeln!(y, "  workloadIdentity: false");
    }
    let _ = writeln!(
        y,
        "  nodePools: [{{name: cpu, machineType: e2-standard-8, nodes: 3}}]"
    );
    if rng.chance(40) {
        let _ = writeln!(y, "namespace: team-{seed}");
    }
    let mut names: Vec<&str> = NAMES.to_vec();
    let count = 1 + rng.below(4);
    let mut workloads = Vec::new();
    let _ = writeln!(y, "workloads:");
    for _ in 0..count {
        let name = names.remove(rng.below(names.len())).to_string();
        let distributed = *rng.pick(&["none", "none", "none", "pytorch", "jax"]);
        let run = *rng.pick(&["job", "service", "omit"]);
        let peers = if distributed != "none" {
            *rng.pick(&["omit", "true"])
        } else {
            *rng.pick(&["omit", "true", "false"])
        };
        let mut ports: Vec<GenPort> = Vec::new();
        for _ in 0..rng.below(4) {
            let port = *rng.pick(NUMBERS);
            let protocol = *rng.pick(&["TCP", "TCP", "UDP"]);
            if ports
                .iter()
                .any(|p| p.port == port && p.protocol == protocol)
            {
                continue;
            }
            ports.push(GenPort {
                name: format!("{}-{port}", protocol.to_lowercase()),
                port,
                protocol,
                written: true,
            });
        }
        // Now and then one number on both TCP and UDP, as DNS servers do.
        if rng.chance(20) && !ports.iter().any(|p| p.port == 5353) {
            for protocol in ["TCP", "UDP"] {
                ports.push(GenPort {
                    name: format!("{}-5353", protocol.to_lowercase()),
                    port: 5353,
                    protocol,
                    written: true,
                });
            }
        }
        if distributed != "none" && rng.chance(40) {
            ports.push(GenPort {
                name: "rendezvous".into(),
                port: 23456,
                protocol: "TCP",
                written: true,
            });
        }
        // Some ports keep the default name `p<port>` (only where the number
        // is not used twice: two `p<port>` would clash).
        for i in 0..ports.len() {
            let unique = ports.iter().filter(|q| q.port == ports[i].port).count() == 1;
            if unique && ports[i].name != "rendezvous" && rng.chance(30) {
                ports[i].name = format!("p{}", ports[i].port);
                ports[i].written = false;
            }
        }
        let expose = if ports.is_empty() {
            *rng.pick(&["omit", "none"])
        } else {
            *rng.pick(&["omit", "cluster", "internal", "external", "none"])
        };
        let service_name = rng.chance(25).then(|| format!("{name}-svc"));
        let _ = writeln!(y, "  - name: {name}");
        let _ = writeln!(y, "    image: example.com/{name}:1");
        if run != "omit" {
            let _ = writeln!(y, "    run: {run}");
        }
        // Serving fields, on what runs as a service (design.md's default for
        // `run` when it is omitted).
        let serving = run == "service"
            || (run == "omit"
                && (matches!(expose, "internal" | "external")
                    || (distributed == "none" && !ports.is_empty())));
        // Multi-host serving: groups of 2 or 3 pods (a LeaderWorkerSet), on
        // what may be one: long-running, without `peers: true` or JAX (the
        // checks refuse both with `groupSize`, PW0617). The pool of 3
        // e2-standard-8 nodes holds every group (PW0618 stays quiet).
        let group = if serving && peers != "true" && distributed != "jax" && groups.chance(30) {
            2 + groups.below(2)
        } else {
            1
        };
        let tcp: Vec<&GenPort> = ports.iter().filter(|p| p.protocol == "TCP").collect();
        let port_ref = |rng: &mut Rng, p: &GenPort| {
            if rng.chance(50) {
                p.port.to_string()
            } else {
                p.name.clone()
            }
        };
        let mut serving_lines = Vec::new();
        let mut health_port = false;
        if serving && !tcp.is_empty() && rng.chance(40) {
            let p = tcp[rng.below(tcp.len())];
            let only = ports.len() == 1;
            let port = if only && rng.chance(50) {
                String::new()
            } else {
                format!(", port: {}", port_ref(&mut rng, p))
            };
            let timeout = match rng.below(4) {
                0 => ", startupTimeout: 90s",
                1 => ", startupTimeout: 1h30m",
                _ => "",
            };
            serving_lines.push(format!("    health: {{path: /healthz{port}{timeout}}}"));
            health_port = true;
        }
        // A group's rendezvous is within the group: whole groups autoscale,
        // distributed or not.
        let autoscaled = serving
            && ((distributed == "none" && rng.chance(35))
                || (group > 1 && distributed != "none" && groups.chance(35)));
        if autoscaled {
            let min = 1 + rng.below(2);
            let max = min + rng.below(3);
            let target = if !tcp.is_empty() && rng.chance(60) {
                let p = tcp[rng.below(tcp.len())];
                let defaulted = health_port || (ports.len() == 1);
                let port = if defaulted && rng.chance(30) {
                    // The default (the health port, else the only one) is
                    // then the one the spec means; expect.rs resolves it.
                    String::new()
                } else {
                    format!(", port: {}", port_ref(&mut rng, p))
                };
                format!("metric: {{name: 'app:queue_size', target: 5{port}}}")
            } else {
                serving_lines.push("    resources: {cpu: 500m}".into());
                format!("cpu: {}", 50 + rng.below(40))
            };
            serving_lines.push(format!(
                "    autoscale: {{min: {min}, max: {max}, {target}}}"
            ));
        }
        if serving && rng.chance(25) {
            let rule = *rng.pick(&[
                "maxUnavailable: 1",
                "maxUnavailable: 50%",
                "minAvailable: 1",
            ]);
            serving_lines.push(format!("    disruption: {{{rule}}}"));
        }
        for l in &serving_lines {
            let _ = writeln!(y, "{l}");
        }
        if !autoscaled {
            let _ = writeln!(y, "    replicas: {}", 1 + rng.below(3));
        }
        // Some jobs restart as a whole: a JobSet.
        if run == "job" && rng.chance(30) {
            let _ = writeln!(y, "    restarts: {}", 1 + rng.below(3));
        }
        if group > 1 {
            let _ = writeln!(y, "    groupSize: {group}");
        }
        if distributed != "none" {
            let _ = writeln!(y, "    distributed: {distributed}");
        }
        if peers != "omit" {
            let _ = writeln!(y, "    peers: {peers}");
        }
        if expose != "omit" {
            let _ = writeln!(y, "    expose: {expose}");
        }
        if let Some(s) = &service_name {
            let _ = writeln!(y, "    service: {{name: {s}}}");
        }
        // A route through a Gateway, on what has a ClusterIP Service to
        // route to: long-running, no peers, a TCP port, not `expose: none`
        // (a group's client Service is a ClusterIP one, distributed or not).
        let no_peers = peers != "true" && (distributed == "none" || group > 1);
        if serving && no_peers && !tcp.is_empty() && expose != "none" && routes.chance(30) {
            let p = tcp[routes.below(tcp.len())];
            let kind = *routes.pick(&["internal", "external"]);
            let port = if routes.chance(50) {
                p.port.to_string()
            } else {
                p.name.clone()
            };
            let tls = if kind == "internal" {
                internal_tls
            } else {
                external_tls
            };
            let _ = writeln!(
                y,
                "    route: {{gateway: {kind}, port: {port}, paths: [/{name}]{tls}}}"
            );
        }
        if !ports.is_empty() {
            let _ = writeln!(y, "    ports:");
            for p in &ports {
                if !p.written {
                    let _ = writeln!(y, "      - {{port: {}, protocol: {}}}", p.port, p.protocol);
                } else {
                    let _ = writeln!(
                        y,
                        "      - {{name: {}, port: {}, protocol: {}}}",
                        p.name, p.port, p.protocol
                    );
                }
            }
        }
        // A group's pods have names under their group's Services, not a
        // peers Service.
        let has_peers =
            group == 1 && (peers == "true" || (peers == "omit" && distributed != "none"));
        // The rendezvous port a distributed workload gets counts too.
        let listens = !ports.is_empty() || distributed != "none";
        workloads.push(GenWorkload {
            has_service: has_peers || (listens && expose != "none"),
            name,
            ports,
        });
    }
    let connections: Vec<String> = (0..rng.below(6))
        .filter_map(|_| connection(&mut rng, &workloads))
        .collect();
    if !connections.is_empty() {
        let _ = writeln!(y, "connections:");
        for c in connections {
            let _ = writeln!(y, "  - {c}");
        }
    }
    y
}

fn outside(rng: &mut Rng) -> String {
    match rng.below(3) {
        0 => "internet".into(),
        1 => format!("{{cidr: {}}}", rng.pick(CIDRS)),
        _ => format!("{{namespace: {}}}", rng.pick(NAMESPACES)),
    }
}

fn connection(rng: &mut Rng, workloads: &[GenWorkload]) -> Option<String> {
    let targets: Vec<&GenWorkload> = workloads.iter().filter(|w| w.has_service).collect();
    let source = &workloads[rng.below(workloads.len())];
    // Workload to workload, to outside, or from outside.
    match rng.below(3) {
        0 if !targets.is_empty() => {
            let to = targets[rng.below(targets.len())];
            Some(format!(
                "{{from: {}, to: {}{}}}",
                source.name,
                to.name,
                ports_to(rng, to)
            ))
        }
        1 => {
            let to = outside(rng);
            let ports = if rng.chance(70) {
                let n = 1 + rng.below(2);
                let list: Vec<String> = (0..n)
                    .map(|_| rng.pick(&[443u16, 53, 8443, 80]).to_string())
                    .collect();
                format!(", ports: [{}]", list.join(", "))
            } else {
                String::new()
            };
            Some(format!("{{from: {}, to: {to}{ports}}}", source.name))
        }
        _ if !targets.is_empty() => {
            let to = targets[rng.below(targets.len())];
            Some(format!(
                "{{from: {}, to: {}{}}}",
                outside(rng),
                to.name,
                ports_to(rng, to)
            ))
        }
        _ => None,
    }
}

/// `ports` of a connection to a workload: omitted, or some of its ports by
/// name or by number.
fn ports_to(rng: &mut Rng, to: &GenWorkload) -> String {
    if to.ports.is_empty() || rng.chance(40) {
        return String::new();
    }
    let mut refs: Vec<String> = Vec::new();
    for _ in 0..1 + rng.below(2) {
        let p = &to.ports[rng.below(to.ports.len())];
        let r = if rng.chance(50) {
            p.port.to_string()
        } else {
            p.name.clone()
        };
        if !refs.contains(&r) {
            refs.push(r);
        }
    }
    format!(", ports: [{}]", refs.join(", "))
}
