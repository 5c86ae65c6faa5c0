//! Routing through GKE Gateways, read from the spec independently of
//! podwire: every workload with a `route` is reached through the spec's
//! Gateway of its kind (`<metadata.name>-internal` / `-external`, of GKE's
//! class for that kind, an HTTP listener on port 80), for its hosts and
//! path prefixes, at exactly its serving pods on the routed port, from the
//! addresses the load balancer's proxies connect from; and those addresses
//! reach nothing else. With `tls`, the same on an HTTPS listener on 443
//! that presents the spec's certificate where GKE reads it (GKE's "Secure
//! a Gateway": a Secret in `certificateRefs`, regional Certificate Manager
//! certificates and pre-shared SSL certificates in the listener's
//! `options`, a certificate map in the Gateway's `networking.gke.io/certmap`
//! annotation), and port 80 answers every request with a 301 to https and
//! reaches no pod.

use serde_json::Value;
use std::collections::BTreeSet;
use std::net::Ipv4Addr;

use crate::cluster::{Cidr, Cluster, Endpoint};

/// Where the global external Application Load Balancer's front ends and
/// Google's health checkers connect from (Cloud Load Balancing's firewall
/// rules page); an internal Gateway's proxies connect from the region's
/// proxy-only subnet instead, its health checkers from these.
pub const GOOGLE_RANGES: [&str; 2] = ["35.191.0.0/16", "130.211.0.0/22"];

fn class(kind: &str) -> &'static str {
    match kind {
        "internal" => "gke-l7-rilb",
        _ => "gke-l7-global-external-managed",
    }
}

fn str_at<'v>(v: &'v Value, ptr: &str) -> Option<&'v str> {
    v.pointer(ptr).and_then(Value::as_str)
}

/// A workload's port (name, number, protocol), names defaulted as
/// design.md's `p<port>`.
fn ports(w: &Value) -> Vec<(String, u16, String)> {
    w.get("ports")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|p| {
            let n = u16::try_from(p.get("port")?.as_u64()?).ok()?;
            Some((
                p.get("name")
                    .and_then(Value::as_str)
                    .map_or_else(|| format!("p{n}"), str::to_string),
                n,
                p.get("protocol")
                    .and_then(Value::as_str)
                    .unwrap_or("TCP")
                    .to_string(),
            ))
        })
        .collect()
}

fn port_ref(ports: &[(String, u16, String)], r: &Value) -> Option<u16> {
    match r {
        Value::Number(n) => n.as_u64().and_then(|n| u16::try_from(n).ok()),
        Value::String(s) => ports.iter().find(|p| &p.0 == s).map(|p| p.1),
        _ => None,
    }
}

/// One routed workload as the spec says it.
pub struct Routed {
    pub workload: String,
    pub kind: String,
    pub port: u16,
    pub health_port: Option<u16>,
    pub hosts: Vec<String>,
    pub paths: Vec<String>,
    /// `inferencePool: true`: through GKE Inference Gateway.
    pub pool: bool,
    /// `tls`, as the spec writes it.
    pub tls: Option<Value>,
}

pub fn routed(spec: &Value) -> Vec<Routed> {
    let mut out = Vec::new();
    for w in spec
        .get("workloads")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(r) = w.get("route") else { continue };
        let ps = ports(w);
        let health_port = w.get("health").and_then(|h| match h.get("port") {
            Some(p) => port_ref(&ps, p),
            None => (ps.len() == 1).then(|| ps[0].1),
        });
        let port = r
            .get("port")
            .and_then(|p| port_ref(&ps, p))
            .or(health_port)
            .or_else(|| (ps.len() == 1).then(|| ps[0].1))
            .unwrap_or_else(|| panic!("the route of {w} names no port"));
        let list = |k: &str| -> Vec<String> {
            r.get(k)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        };
        out.push(Routed {
            workload: str_at(w, "/name").unwrap_or_default().to_string(),
            kind: str_at(r, "/gateway").unwrap_or_default().to_string(),
            port,
            health_port,
            hosts: list("hosts"),
            paths: list("paths"),
            pool: r.get("inferencePool").and_then(Value::as_bool) == Some(true),
            tls: r.get("tls").cloned(),
        });
    }
    out
}

pub fn namespace(spec: &Value) -> String {
    str_at(spec, "/namespace")
        .or_else(|| str_at(spec, "/metadata/name"))
        .unwrap_or_default()
        .to_string()
}

/// An address the proxies of a Gateway of `kind` connect from.
pub fn proxy(spec: &Value, kind: &str) -> Ipv4Addr {
    match kind {
        "internal" => {
            let c =
                str_at(spec, "/gcp/proxySubnet").expect("an internal route needs gcp.proxySubnet");
            Cidr::parse(c).expect("cidr").inside()
        }
        _ => Cidr::parse(GOOGLE_RANGES[1]).expect("cidr").inside(),
    }
}

/// The pods of `workload` that serve (a LeaderWorkerSet's leaders).
pub fn serving_pods(c: &Cluster, workload: &str) -> BTreeSet<usize> {
    c.pods
        .iter()
        .enumerate()
        .filter(|(_, p)| {
            p.labels.get("podwire.dev/workload").map(String::as_str) == Some(workload)
                && p.labels
                    .get("leaderworkerset.sigs.k8s.io/worker-index")
                    .is_none_or(|i| i == "0")
        })
        .map(|(i, _)| i)
        .collect()
}

/// A host a route's host list answers: the first one (a name under a
/// wildcard), or any for a route of every host.
fn a_host(hosts: &[String]) -> String {
    match hosts.first() {
        None => "anything.example".to_string(),
        Some(h) => match h.strip_prefix("*.") {
            Some(d) => format!("x.{d}"),
            None => h.clone(),
        },
    }
}

/// Every routed workload of `spec` is reached through its Gateway, at
/// exactly its serving pods on the routed port, from its proxies.
pub fn check(spec: &Value, c: &Cluster) -> Result<usize, String> {
    let ns = namespace(spec);
    let name = str_at(spec, "/metadata/name").unwrap_or_default();
    let mut checked = 0;
    for r in routed(spec) {
        let gw = format!("{name}-{}", r.kind);
        let g = c
            .gateways
            .iter()
            .find(|g| g.name == gw && g.namespace == ns)
            .ok_or(format!("no Gateway {gw} for {}", r.workload))?;
        if g.class != class(&r.kind) {
            return Err(format!("Gateway {gw} is of class {}", g.class));
        }
        let want = serving_pods(c, &r.workload);
        if want.is_empty() {
            return Err(format!("{} has no pods", r.workload));
        }
        let host = a_host(&r.hosts);
        let paths = if r.paths.is_empty() {
            vec!["/".to_string()]
        } else {
            r.paths.clone()
        };
        let port = match &r.tls {
            Some(t) => {
                https(g, t).map_err(|e| format!("Gateway {gw} for {}: {e}", r.workload))?;
                443
            }
            None => {
                if g.listeners.iter().any(|l| l.port == 443 || l.tls.is_some()) {
                    return Err(format!(
                        "Gateway {gw} listens for TLS, and no route has `tls`"
                    ));
                }
                80
            }
        };
        for p in &paths {
            for path in [p.clone(), format!("{}/more", p.trim_end_matches('/'))] {
                let redirect = c.gateway_redirect(&gw, &ns, 80, &host, &path);
                if r.tls.is_some() {
                    // Port 80 only redirects, and reaches no pod.
                    let plain = c.gateway_backends(&gw, &ns, 80, &host, &path);
                    if redirect != Some(("https".to_string(), 301)) || !plain.is_empty() {
                        return Err(format!(
                            "http://{host}{path} through {gw}: redirect {redirect:?}, backends {plain:?}; the spec's `tls` means a 301 to https and nothing else"
                        ));
                    }
                } else if redirect.is_some() {
                    return Err(format!(
                        "http://{host}{path} through {gw} redirects, and the route has no `tls`"
                    ));
                }
                let got = c.through_gateway(&gw, &ns, port, &host, &path, proxy(spec, &r.kind));
                let pods: BTreeSet<usize> = got.iter().map(|(i, _)| *i).collect();
                if pods != want || got.iter().any(|(_, port)| *port != r.port) {
                    return Err(format!(
                        "{host}{path} through {gw} reaches {got:?}, not the pods {want:?} of {} on {}",
                        r.workload, r.port
                    ));
                }
            }
        }
        // Google's health checkers reach the health port (else the routed one).
        let hc = Cidr::parse(GOOGLE_RANGES[0]).expect("cidr").inside();
        let checked_port = r.health_port.unwrap_or(r.port);
        for &i in &want {
            if !c.can(Endpoint::Ip(hc), Endpoint::Pod(i), checked_port, "TCP") {
                return Err(format!(
                    "Google's health checkers cannot reach {} on {checked_port}",
                    c.pods[i].name
                ));
            }
        }
        if r.pool {
            check_pool(spec, c, &r, &ns, &want)?;
        }
        checked += 1;
    }
    Ok(checked)
}

/// The Gateway's HTTPS listener: on 443, terminating TLS, with exactly the
/// certificate `tls` names, given where GKE reads it.
fn https(g: &crate::cluster::Gateway, tls: &Value) -> Result<(), String> {
    let ls: Vec<_> = g.listeners.iter().filter(|l| l.port == 443).collect();
    let [l] = ls.as_slice() else {
        return Err(format!("{} listeners on 443, not one", ls.len()));
    };
    if l.protocol != "HTTPS" {
        return Err(format!("port 443 is {}", l.protocol));
    }
    let t = l.tls.as_ref().ok_or("port 443 without tls")?;
    if t.mode != "Terminate" {
        return Err(format!("tls mode {}", t.mode));
    }
    let name = |k: &str| tls.get(k).and_then(Value::as_str).map(str::to_string);
    let option = |k: &str, v: String| -> crate::cluster::Labels {
        [(k.to_string(), v)].into_iter().collect()
    };
    let none = crate::cluster::Labels::new();
    let (secrets, options, certmap) = if let Some(n) = name("secret") {
        (vec![n], none, None)
    } else if let Some(n) = name("certificate") {
        (
            Vec::new(),
            option("networking.gke.io/cert-manager-certs", n),
            None,
        )
    } else if let Some(n) = name("certificateMap") {
        (Vec::new(), none, Some(n))
    } else {
        let list: Vec<&str> = tls
            .get("preSharedCerts")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        (
            Vec::new(),
            option("networking.gke.io/pre-shared-certs", list.join(",")),
            None,
        )
    };
    if t.secrets != secrets || t.options != options || g.certmap != certmap {
        return Err(format!(
            "certificate: Secrets {:?}, options {:?}, certmap {:?}; the spec's {tls} means {secrets:?}, {options:?}, {certmap:?}",
            t.secrets, t.options, g.certmap
        ));
    }
    Ok(())
}

/// An address outside the cluster and the VPC where the API server could
/// be (GKE's control plane endpoint is not the spec's to say).
pub const API_SERVER: Ipv4Addr = Ipv4Addr::new(34, 118, 1, 1);

/// GKE Inference Gateway, as design and the upstream chart have it: the
/// pool `<workload>` of the serving pods has a picker that the proxies
/// reach on its ext-proc port (9002) and on nothing else of it; the
/// picker reaches the serving pods on the routed port (their metrics)
/// and nothing else of them or of the workload's other pods, and the API
/// server on 443 only; no other pod of the namespace reaches the picker.
fn check_pool(
    spec: &Value,
    c: &Cluster,
    r: &Routed,
    ns: &str,
    want: &BTreeSet<usize>,
) -> Result<(), String> {
    let pickers = c.pool_picker(&r.workload, ns);
    if pickers.is_empty() {
        return Err(format!("the pool of {} has no picker pods", r.workload));
    }
    // Without connections there are no NetworkPolicies: everything reaches everything.
    let policed = spec
        .get("connections")
        .and_then(Value::as_array)
        .is_some_and(|c| !c.is_empty());
    if !policed {
        return Ok(());
    }
    let proxy = proxy(spec, &r.kind);
    let ip = Endpoint::Ip;
    let pod = Endpoint::Pod;
    for &(e, port) in &pickers {
        if port != 9002 {
            return Err(format!("the picker of {} serves on {port}", r.workload));
        }
        let name = &c.pods[e].name;
        if !c.can(ip(proxy), pod(e), 9002, "TCP") {
            return Err(format!("the proxies cannot reach the picker {name}"));
        }
        // Only the proxies: not the addresses just outside their subnet,
        // nor Google's health checkers.
        let subnet = str_at(spec, "/gcp/proxySubnet")
            .and_then(|s| Cidr::parse(s).ok())
            .ok_or("a pool needs gcp.proxySubnet")?;
        let hc = Cidr::parse(GOOGLE_RANGES[0]).expect("cidr").inside();
        for a in [subnet.before(), subnet.after(), Some(hc)]
            .into_iter()
            .flatten()
        {
            if c.can(ip(a), pod(e), 9002, "TCP") {
                return Err(format!("{a} reaches the picker {name}"));
            }
        }
        for other in [9003, 9090, r.port] {
            if c.can(ip(proxy), pod(e), other, "TCP") {
                return Err(format!("the proxies reach the picker {name} on {other}"));
            }
        }
        if !c.can(pod(e), ip(API_SERVER), 443, "TCP") || c.can(pod(e), ip(API_SERVER), 80, "TCP") {
            return Err(format!(
                "the picker {name} reaches the API server on 443 only: no"
            ));
        }
        for (i, p) in c.pods.iter().enumerate() {
            if i == e || p.namespace != ns {
                continue;
            }
            let serving = want.contains(&i);
            if c.can(pod(e), pod(i), r.port, "TCP") != serving {
                return Err(format!(
                    "the picker {name} reaching {} on {}: {}",
                    p.name, r.port, !serving
                ));
            }
            if c.can(pod(e), pod(i), r.port.wrapping_add(1), "TCP") {
                return Err(format!(
                    "the picker {name} reaches {} on another port",
                    p.name
                ));
            }
            if c.can(pod(i), pod(e), 9002, "TCP") {
                return Err(format!("{} reaches the picker {name}", p.name));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::support;

    const SRC: &str = "apiVersion: podwire.dev/v1alpha1\nkind: AIWorkload\nmetadata: {name: t}\n\
        gcp: {project: my-project, location: us-central1, proxySubnet: 10.129.0.0/23}\n\
        cluster:\n  nodePools:\n    - {name: p, machineType: n2-standard-8, nodes: 2}\n\
        workloads:\n  - {name: a, image: r/s:1, replicas: 2, ports: [{name: http, port: 8000}, {name: m, port: 9000}],\n     \
        health: {path: /health, port: m}, route: {gateway: internal, port: http, paths: [/v1], hosts: [a.example.com]}}\n  \
        - {name: b, image: r/s:1, ports: [{name: http, port: 8080}], route: {gateway: external, paths: [/b]}}\n  \
        - {name: c, image: r/s:1, ports: [{name: http, port: 7000}]}\n\
        connections:\n  - {from: a, to: c, ports: [http]}\n  - {from: b, to: c, ports: [http]}\n";

    fn cluster(src: &str) -> (Value, Cluster) {
        let c = podwire::compile(src, &podwire::Options::default());
        assert!(c.ok, "{:#?}", c.diagnostics);
        let spec = support::yaml::document(src).expect("spec");
        (
            spec,
            Cluster::from_objects(&crate::manifests(&c)).expect("cluster"),
        )
    }

    const POOLED: &str = "apiVersion: podwire.dev/v1alpha1\nkind: AIWorkload\nmetadata: {name: t}\n\
        gcp: {project: my-project, location: us-central1-a, proxySubnet: 10.129.0.0/23}\n\
        cluster:\n  nodePools:\n    - {name: h100, machineType: a3-highgpu-8g, nodes: 4}\n    - {name: cpu, machineType: n2-standard-8}\n\
        workloads:\n  - {name: llm, image: r/s:1, pool: h100, run: service, groupSize: 2, gpus: 8, distributed: pytorch,\n     \
        ports: [{name: http, port: 8000}], health: {path: /health}, route: {gateway: internal, inferencePool: true}}\n  \
        - {name: c, image: r/s:1, pool: cpu, ports: [{name: http, port: 7000}]}\n\
        connections:\n  - {from: llm, to: c, ports: [http]}\n";

    #[test]
    fn a_pool_is_reached_through_its_picker_and_the_picker_only_where_it_must() {
        let (spec, mut c) = cluster(POOLED);
        assert_eq!(check(&spec, &c), Ok(1));
        // The route reaches the leaders through the pool, on the routed port.
        let leaders = serving_pods(&c, "llm");
        assert!(!leaders.is_empty());
        let got = c.through_gateway(
            "t-internal",
            "t",
            80,
            "x.example",
            "/",
            proxy(&spec, "internal"),
        );
        assert_eq!(
            got.iter().map(|(i, _)| *i).collect::<BTreeSet<_>>(),
            leaders
        );
        assert!(got.iter().all(|(_, p)| *p == 8000));
        // The picker's own policy is what lets it work: without it the
        // namespace's default deny cuts the proxies and the API server off.
        c = {
            let cc = podwire::compile(POOLED, &podwire::Options::default());
            let objs: Vec<Value> = crate::manifests(&cc)
                .into_iter()
                .filter(|o| !(o["kind"] == "NetworkPolicy" && o["metadata"]["name"] == "llm-epp"))
                .collect();
            Cluster::from_objects(&objs).expect("cluster")
        };
        let e = check(&spec, &c);
        assert!(
            e.as_ref()
                .is_err_and(|e| e.contains("cannot reach the picker")),
            "{e:?}"
        );
    }

    #[test]
    fn a_too_open_picker_is_reported() {
        let cc = podwire::compile(POOLED, &podwire::Options::default());
        let spec = support::yaml::document(POOLED).expect("spec");
        assert!(cc.ok, "{:#?}", cc.diagnostics);
        let mut objs = crate::manifests(&cc);
        for o in &mut objs {
            if o["kind"] == "NetworkPolicy" && o["metadata"]["name"] == "llm-epp" {
                // Every source on the ext-proc port, not only the proxies.
                o["spec"]["ingress"][0]
                    .as_object_mut()
                    .map(|r| r.remove("from"));
            }
        }
        let c = Cluster::from_objects(&objs).expect("cluster");
        let e = check(&spec, &c);
        assert!(
            e.as_ref().is_err_and(|e| e.contains("reaches the picker")),
            "{e:?}"
        );
    }

    #[test]
    fn routed_workloads_are_reached_through_their_gateway() {
        let (spec, c) = cluster(SRC);
        assert_eq!(check(&spec, &c), Ok(2));
    }

    #[test]
    fn the_proxies_reach_the_routed_port_and_nothing_else() {
        let (spec, c) = cluster(SRC);
        let internal = proxy(&spec, "internal");
        let gfe = proxy(&spec, "external");
        let hc = Cidr::parse(GOOGLE_RANGES[0]).expect("cidr").inside();
        let a = serving_pods(&c, "a");
        let b = serving_pods(&c, "b");
        let cs = serving_pods(&c, "c");
        assert_eq!((a.len(), b.len(), cs.len()), (2, 1, 1));
        // The route matches on segment boundaries and on its host only.
        for (host, path) in [
            ("a.example.com", "/v10"),
            ("a.example.com", "/"),
            ("b.example.com", "/v1"),
        ] {
            assert_eq!(
                c.through_gateway("t-internal", "t", 80, host, path, internal),
                [],
                "{host}{path}"
            );
        }
        // Not through the other Gateway, nor on another listener port.
        assert_eq!(
            c.through_gateway("t-external", "t", 80, "a.example.com", "/v1", gfe),
            []
        );
        assert_eq!(
            c.through_gateway("t-internal", "t", 443, "a.example.com", "/v1", internal),
            []
        );
        let can = |from: Ipv4Addr, pods: &BTreeSet<usize>, port: u16| {
            pods.iter()
                .any(|&i| c.can(Endpoint::Ip(from), Endpoint::Pod(i), port, "TCP"))
        };
        // a: the proxy-only subnet on 8000 only, the health checkers on 9000 only.
        assert!(can(internal, &a, 8000));
        assert!(!can(internal, &a, 9000));
        assert!(can(hc, &a, 9000));
        assert!(!can(hc, &a, 8000));
        assert!(!can(gfe, &a, 8000));
        // Outside the proxy-only subnet: nothing.
        let outside = Cidr::parse("10.129.0.0/23")
            .expect("cidr")
            .after()
            .expect("after");
        assert!(!can(outside, &a, 8000));
        // b (external, no health): Google's front ends on 8080 only.
        assert!(can(gfe, &b, 8080));
        assert!(can(hc, &b, 8080));
        assert!(!can(internal, &b, 8080));
        assert!(!can(gfe, &b, 9000));
        // c is routed by nothing: no proxy reaches it.
        for from in [internal, gfe, hc] {
            assert!(!can(from, &cs, 7000));
        }
        // A route without hosts answers every host; one with a path, only it.
        assert_eq!(
            c.through_gateway("t-external", "t", 80, "x.example", "/b/c", gfe)
                .len(),
            1
        );
        assert_eq!(
            c.through_gateway("t-external", "t", 80, "x.example", "/c", gfe),
            []
        );
    }

    /// HTTPS on both Gateways: the workloads are reached on 443 and only
    /// there, port 80 redirects; each way of breaking that is caught.
    #[test]
    fn the_evaluator_sees_a_broken_https_route() {
        let src = SRC
            .replace(
                "hosts: [a.example.com]}",
                "hosts: [a.example.com], tls: {secret: a-tls}}",
            )
            .replace("paths: [/b]}", "paths: [/b], tls: {certificateMap: b-map}}");
        let (spec, c) = cluster(&src);
        assert_eq!(check(&spec, &c), Ok(2));
        let gfe = proxy(&spec, "external");
        assert_eq!(
            c.through_gateway("t-external", "t", 80, "x.example", "/b", gfe),
            []
        );
        assert_eq!(
            c.through_gateway("t-external", "t", 443, "x.example", "/b", gfe)
                .len(),
            1
        );
        let out = podwire::compile(&src, &podwire::Options::default());
        let objects = crate::manifests(&out);
        type Break = fn(&mut Value);
        let breaks: &[(&str, Break)] = &[
            ("a's route stays on port 80", |o| {
                if o["kind"] == "HTTPRoute" && o["metadata"]["name"] == "a" {
                    o["spec"]["parentRefs"][0]["sectionName"] = "http".into();
                }
            }),
            ("no redirect on port 80", |o| {
                if o["metadata"]["name"] == "t-internal-redirect" {
                    o["spec"]["rules"][0]["filters"] = Value::Array(Vec::new());
                    o["spec"]["rules"][0]["backendRefs"] =
                        serde_json::json!([{"name": "a", "port": 8000}]);
                }
            }),
            ("a temporary redirect", |o| {
                if o["metadata"]["name"] == "t-external-redirect" {
                    o["spec"]["rules"][0]["filters"][0]["requestRedirect"]["statusCode"] =
                        302.into();
                }
            }),
            ("another Secret", |o| {
                if o["kind"] == "Gateway" && o["metadata"]["name"] == "t-internal" {
                    o["spec"]["listeners"][1]["tls"]["certificateRefs"][0]["name"] = "other".into();
                }
            }),
            ("the map on the listener instead of the annotation", |o| {
                if o["kind"] == "Gateway" && o["metadata"]["name"] == "t-external" {
                    o["metadata"]["annotations"] = serde_json::json!({});
                    o["spec"]["listeners"][1]["tls"]["options"] =
                        serde_json::json!({"networking.gke.io/cert-manager-certs": "b-map"});
                }
            }),
            ("TLS passed through, not terminated", |o| {
                if o["kind"] == "Gateway" && o["metadata"]["name"] == "t-internal" {
                    o["spec"]["listeners"][1]["tls"]["mode"] = "Passthrough".into();
                }
            }),
        ];
        for (what, f) in breaks {
            let mut broken = objects.clone();
            broken.iter_mut().for_each(f);
            let c = Cluster::from_objects(&broken).expect("cluster");
            assert!(check(&spec, &c).is_err(), "{what}: not reported");
        }
    }

    /// The evaluator can fail: a manifest whose policy admits the proxies
    /// on the wrong port, or whose route names the wrong Service, is caught.
    #[test]
    fn the_evaluator_sees_a_broken_route() {
        let out = podwire::compile(SRC, &podwire::Options::default());
        let spec = support::yaml::document(SRC).expect("spec");
        let objects = crate::manifests(&out);
        let mut wrong_port = objects.clone();
        for o in &mut wrong_port {
            if o["kind"] == "NetworkPolicy" && o["metadata"]["name"] == "b" {
                let text = o.to_string().replace("\"port\":8080", "\"port\":8081");
                *o = serde_json::from_str(&text).expect("json");
            }
        }
        let c = Cluster::from_objects(&wrong_port).expect("cluster");
        assert!(check(&spec, &c).is_err());
        let mut wrong_service = objects;
        for o in &mut wrong_service {
            if o["kind"] == "HTTPRoute" && o["metadata"]["name"] == "a" {
                o["spec"]["rules"][0]["backendRefs"][0]["name"] = "c".into();
            }
        }
        let c = Cluster::from_objects(&wrong_service).expect("cluster");
        assert!(check(&spec, &c).is_err());
    }

    #[test]
    fn examples_route_as_their_specs_declare() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
        let mut routed = 0;
        for e in std::fs::read_dir(dir).expect("examples").flatten() {
            let p = e.path();
            if p.extension().is_none_or(|x| x != "yaml") {
                continue;
            }
            let src = std::fs::read_to_string(&p).expect("read");
            let (spec, c) = cluster(&src);
            routed += check(&spec, &c).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        }
        assert!(routed >= 1, "no example routes through a Gateway");
    }
}
