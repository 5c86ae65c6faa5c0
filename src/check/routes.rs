//! Routing through a GKE Gateway: a workload's `route` (checked and
//! resolved into its model), and what concerns all routes of a spec (two
//! workloads claiming one host and path on one Gateway; the proxy-only
//! subnet an internal Gateway needs).

use super::serving::{declared_ports, http_path, http_port};
use super::validate::cidr;
use super::{at, item, Checker};
use crate::diag::codes;
use crate::model::{self, GatewayKind};
use crate::spec::{self, Spec};

/// The most hosts or paths one route may list (an HTTPRoute takes at most
/// 16 hostnames, and a rule 64 matches: Gateway API's CRD limits).
const MAX_HOSTS: usize = 16;
const MAX_PATHS: usize = 64;
/// The most SSL certificates one target HTTPS proxy takes (Cloud Load
/// Balancing quotas, "SSL certificates per target HTTPS proxy": 15).
const MAX_CERTS: usize = 15;

/// A host name as Gateway API's `Hostname` type takes it: a DNS name,
/// optionally with one leading `*.` label, no IP address, at most 253
/// characters (the pattern of gateway.networking.k8s.io's CRDs).
fn gateway_host(s: &str) -> bool {
    let name = s.strip_prefix("*.").unwrap_or(s);
    let label = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && l.bytes()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    let ip = name.split('.').count() == 4 && name.split('.').all(|o| o.parse::<u8>().is_ok());
    !name.is_empty() && s.len() <= 253 && name.split('.').all(label) && !ip
}

/// A path prefix Gateway API accepts: absolute, at most 1024 characters,
/// no query or fragment, no `//`, and not ending in `/` unless it is `/`
/// itself (the CRD's rules for `PathPrefix`).
fn path_prefix(s: &str) -> bool {
    http_path(s)
        && s.len() <= 1024
        && !s.contains(['?', '#'])
        && !s.contains("//")
        && (s == "/" || !s.ends_with('/'))
}

/// A Google Cloud resource name as Compute Engine and Certificate Manager
/// take them (RFC 1035 label: a lowercase letter, then lowercase letters,
/// digits and `-`, not ending in `-`, at most 63 characters).
fn google_resource_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b[0].is_ascii_lowercase()
        && b[b.len() - 1] != b'-'
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
}

/// Check `route.tls` (at `tp`) of a route through a Gateway of `kind`.
///
/// Which certificate each GKE class takes, from GKE's "Gateway security"
/// (cloud.google.com/kubernetes-engine/docs/concepts/gateway-security) and
/// "Secure a Gateway" (…/docs/how-to/secure-gateway), as published in
/// 2026: a Kubernetes Secret (listener `tls.certificateRefs`) and
/// pre-shared Compute Engine SSL certificates (listener `tls.options`
/// `networking.gke.io/pre-shared-certs`) on both classes; a Certificate
/// Manager certificate map only on global Gateways, through the Gateway's
/// `networking.gke.io/certmap` annotation (maps are global resources, and
/// the annotation may not be combined with `certificateRefs`); regional
/// Certificate Manager certificates on regional Gateways such as
/// `gke-l7-rilb`, through the listener option
/// `networking.gke.io/cert-manager-certs`.
fn check_tls(
    checker: &mut Checker,
    tp: &str,
    t: &spec::Tls,
    kind: GatewayKind,
) -> Option<model::Tls> {
    let mut given: Vec<(&str, model::Tls)> = Vec::new();
    if let Some(n) = &t.secret {
        given.push(("secret", model::Tls::Secret(n.clone())));
    }
    if let Some(n) = &t.certificate {
        given.push(("certificate", model::Tls::Certificate(n.clone())));
    }
    if let Some(n) = &t.certificate_map {
        given.push(("certificateMap", model::Tls::CertificateMap(n.clone())));
    }
    if !t.pre_shared_certs.is_empty() {
        given.push((
            "preSharedCerts",
            model::Tls::PreShared(t.pre_shared_certs.clone()),
        ));
    }
    if given.len() != 1 {
        let fields: Vec<String> = given.iter().map(|(f, _)| format!("`{f}`")).collect();
        checker.err(
            codes::TLS_FORM,
            tp,
            if given.is_empty() {
                "`tls` needs its certificate: one of `secret`, `certificate`, `certificateMap` and `preSharedCerts`".to_string()
            } else {
                format!("`tls` takes one certificate source, not {}", fields.join(" and "))
            },
            Some(match kind {
                GatewayKind::Internal => "e.g. `tls: {secret: llm-tls}` (a kubernetes.io/tls Secret) or `tls: {certificate: llm-cert}` (a regional Certificate Manager certificate)".to_string(),
                GatewayKind::External => "e.g. `tls: {certificateMap: llm-map}` (a Certificate Manager map) or `tls: {secret: llm-tls}`".to_string(),
            }),
        );
        return None;
    }
    let (field, tls) = given.remove(0);
    let fp = at(tp, &format!(".{field}"));
    let mut ok = true;
    match &tls {
        model::Tls::Secret(n) => {
            if !super::volumes::names::dns1123_subdomain(n) {
                checker.err(
                    codes::BAD_TLS_NAME,
                    &fp,
                    format!("{n:?} is not a Secret name Kubernetes accepts"),
                    Some("lowercase letters, digits, `-` and `.`, e.g. `llm-tls`".to_string()),
                );
                ok = false;
            }
        }
        model::Tls::Certificate(n) | model::Tls::CertificateMap(n) => {
            if !google_resource_name(n) {
                checker.err(
                    codes::BAD_TLS_NAME,
                    &fp,
                    format!("{n:?} is not a Certificate Manager resource name"),
                    Some("a lowercase letter, then lowercase letters, digits and `-`, at most 63, e.g. `llm-cert`; the name only, not `projects/...`".to_string()),
                );
                ok = false;
            }
        }
        model::Tls::PreShared(v) => {
            for (i, n) in v.iter().enumerate() {
                if !google_resource_name(n) {
                    checker.err(
                        codes::BAD_TLS_NAME,
                        &item(&fp, i),
                        format!("{n:?} is not a Compute Engine SSL certificate name"),
                        Some("a lowercase letter, then lowercase letters, digits and `-`, at most 63 (`gcloud compute ssl-certificates list`)".to_string()),
                    );
                    ok = false;
                }
            }
            if v.len() > MAX_CERTS {
                checker.err(
                    codes::BAD_VALUE,
                    &fp,
                    format!(
                        "{} certificates; a target HTTPS proxy takes at most {MAX_CERTS}",
                        v.len()
                    ),
                    None,
                );
                ok = false;
            }
        }
    }
    match (&tls, kind) {
        (model::Tls::CertificateMap(_), GatewayKind::Internal) => {
            checker.err(
                codes::TLS_GATEWAY,
                &fp,
                "a certificate map is global, and the internal Gateway (`gke-l7-rilb`) is regional: GKE attaches maps to global Gateways only",
                Some("use `certificate:` with a regional Certificate Manager certificate of the cluster's region, or `secret:`".to_string()),
            );
            ok = false;
        }
        (model::Tls::Certificate(_), GatewayKind::External) => {
            checker.err(
                codes::TLS_GATEWAY,
                &fp,
                "`certificate` names a regional Certificate Manager certificate, and the external Gateway (`gke-l7-global-external-managed`) is global: it takes Certificate Manager certificates through a certificate map",
                Some("put the certificate in a map (`gcloud certificate-manager maps create` and `maps entries create`) and use `certificateMap:`".to_string()),
            );
            ok = false;
        }
        _ => {}
    }
    ok.then_some(tls)
}

/// Check `route` of workload `w` (at `path`) and fill it into `wl`.
pub(super) fn check_route(
    checker: &mut Checker,
    path: &str,
    w: &spec::Workload,
    wl: Option<&mut model::Workload>,
) {
    let Some(r) = &w.route else { return };
    let rp = at(path, ".route");
    let kind = r.gateway;
    let mut ok = true;
    if let Some(wl) = wl.as_deref() {
        if wl.kind.is_job() {
            checker.err(
                codes::SERVING_ONLY,
                &rp,
                format!(
                    "`route` is for long-running workloads, and `{}` is a job",
                    w.name
                ),
                Some("set `run: service`, or remove `route`".to_string()),
            );
            ok = false;
        }
    }
    // "Deploy GKE Inference Gateway" (cloud.google.com/kubernetes-engine/docs/
    // how-to/deploy-gke-inference-gateway), "Create the Gateway": the
    // classes it serves are the regional ones, `gke-l7-rilb` and
    // `gke-l7-regional-external-managed`; podwire's external Gateway is the
    // global `gke-l7-global-external-managed`.
    if r.inference_pool && kind == GatewayKind::External {
        checker.err(
            codes::INFERENCE_POOL_GATEWAY,
            &at(&rp, ".inferencePool"),
            format!(
                "`{}` routes through an InferencePool, which GKE Inference Gateway serves behind regional \
                 Gateways only, and the external Gateway is the global `gke-l7-global-external-managed`",
                w.name
            ),
            Some("use `gateway: internal`, or drop `inferencePool`".to_string()),
        );
        ok = false;
    }
    let expose_none = w.expose == Some(spec::Expose::None);
    if w.ports.is_empty() || expose_none {
        let (field, why, help) = if expose_none {
            (
                at(path, ".expose"),
                "`expose: none` leaves it no Service",
                "remove `expose: none` (the Gateway sends to the workload's ClusterIP Service)",
            )
        } else {
            (
                rp.clone(),
                "it declares no ports",
                "add `ports: [{name: http, port: 8000}]`",
            )
        };
        if !checker.poison_within(&at(path, ".ports")) {
            checker.err(
                codes::ROUTE_WITHOUT_SERVICE,
                &field,
                format!(
                    "`{}` cannot be routed through the {} Gateway: {why}",
                    w.name,
                    kind.as_str()
                ),
                Some(help.to_string()),
            );
        }
        return;
    }
    if wl.as_deref().is_some_and(|wl| wl.headless) {
        checker.err(
            codes::ROUTE_WITHOUT_SERVICE,
            &rp,
            format!(
                "`{}` has `peers`, so its Service is headless: a Gateway sends to a ClusterIP Service",
                w.name
            ),
            Some(
                "route a separate serving workload, or drop `peers` (a LeaderWorkerSet's \
                 `groupSize` keeps its groups' names and serves through a ClusterIP Service)"
                    .to_string(),
            ),
        );
        ok = false;
    }
    let ports = declared_ports(w);
    let fallback = wl
        .as_deref()
        .and_then(|wl| wl.health.as_ref())
        .map(|h| h.port.clone());
    let port = http_port(
        checker,
        codes::ROUTE_PORT,
        &at(&rp, if r.port.is_some() { ".port" } else { "" }),
        r.port.as_ref(),
        fallback.as_deref(),
        &ports,
        "the route",
    );
    for (i, p) in r.paths.iter().enumerate() {
        if !path_prefix(p) {
            checker.err(
                codes::BAD_HTTP_PATH,
                &item(&at(&rp, ".paths"), i),
                format!("{p:?} is not a path prefix a Gateway can match"),
                Some(
                    "an absolute path without spaces, `?`, `#`, `//` or a trailing `/`, e.g. `/v1`"
                        .to_string(),
                ),
            );
            ok = false;
        }
    }
    for (i, h) in r.hosts.iter().enumerate() {
        if !gateway_host(h) {
            checker.err(
                codes::BAD_ROUTE_HOST,
                &item(&at(&rp, ".hosts"), i),
                format!("{h:?} is not a host name a Gateway can match"),
                Some(
                    "a lowercase DNS name such as `llm.example.com`, or `*.example.com`; no IP addresses or ports"
                        .to_string(),
                ),
            );
            ok = false;
        }
    }
    for (list, n, max) in [
        (".hosts", r.hosts.len(), MAX_HOSTS),
        (".paths", r.paths.len(), MAX_PATHS),
    ] {
        if n > max {
            checker.err(
                codes::BAD_VALUE,
                &at(&rp, list),
                format!("{n} entries; an HTTPRoute takes at most {max}"),
                None,
            );
            ok = false;
        }
    }
    let tls = match &r.tls {
        Some(t) => {
            let checked = check_tls(checker, &at(&rp, ".tls"), t, kind);
            ok &= checked.is_some();
            checked
        }
        None => None,
    };
    let (Some(wl), Some(port), true) = (wl, port, ok) else {
        return;
    };
    let Some(number) = wl.ports.iter().find(|p| p.name == port).map(|p| p.port) else {
        return;
    };
    let mut paths = r.paths.clone();
    if paths.is_empty() {
        paths.push("/".to_string());
    }
    wl.route = Some(model::Route {
        gateway: kind,
        port,
        port_number: number,
        paths,
        hosts: r.hosts.clone(),
        inference_pool: r.inference_pool,
        tls,
    });
}

/// Whether two routes' host lists can match one request's host (an empty
/// list is every host; `*.example.com` matches every name under
/// example.com, as Gateway API's wildcard is a suffix match).
fn hosts_meet(a: &[String], b: &[String]) -> Option<String> {
    if a.is_empty() {
        return Some(
            b.first()
                .cloned()
                .unwrap_or_else(|| "every host".to_string()),
        );
    }
    if b.is_empty() {
        return a.first().cloned();
    }
    let covers = |wild: &str, h: &str| {
        wild.strip_prefix("*.").is_some_and(|suffix| {
            h.trim_start_matches("*.")
                .strip_suffix(suffix)
                .and_then(|rest| rest.strip_suffix('.'))
                .is_some_and(|label| !label.is_empty())
        })
    };
    a.iter()
        .flat_map(|x| b.iter().map(move |y| (x, y)))
        .find(|(x, y)| x == y || covers(x, y) || covers(y, x))
        .map(|(x, _)| x.clone())
}

/// What concerns every route of the spec: no host and path claimed by two
/// workloads on one Gateway (Gateway API would silently give it to the
/// older route), and the proxy-only subnet of an internal Gateway.
pub(super) fn check_gateways(
    checker: &mut Checker,
    s: &Spec,
    region: &str,
    workloads: &[Option<model::Workload>],
) {
    let routed: Vec<(usize, &model::Workload, &model::Route)> = workloads
        .iter()
        .enumerate()
        .filter_map(|(i, w)| w.as_ref().and_then(|w| w.route.as_ref().map(|r| (i, w, r))))
        .collect();
    for (k, (i, w, r)) in routed.iter().enumerate() {
        // One Gateway, one pair of listeners: its routes agree on TLS
        // (reported once, against the first route of the Gateway).
        if let Some((_, first, f)) = routed[..k].iter().find(|(_, _, o)| o.gateway == r.gateway) {
            if f.tls != r.tls {
                let say = |t: &Option<model::Tls>| {
                    t.as_ref().map_or("no `tls`".to_string(), |t| {
                        format!("`tls: {{{}}}`", t.describe())
                    })
                };
                checker.err(
                    codes::TLS_CONFLICT,
                    &at(&item("workloads", *i), ".route"),
                    format!(
                        "`{}` has {} and `{}` has {}, through the one {} Gateway, whose listeners they share",
                        w.name,
                        say(&r.tls),
                        first.name,
                        say(&f.tls),
                        r.gateway.as_str()
                    ),
                    Some(format!(
                        "give every route through the {} Gateway the same `tls`",
                        r.gateway.as_str()
                    )),
                );
            }
        }
        for (_, other, o) in &routed[..k] {
            if o.gateway != r.gateway {
                continue;
            }
            let Some(host) = hosts_meet(&r.hosts, &o.hosts) else {
                continue;
            };
            if let Some(p) = r.paths.iter().find(|p| o.paths.contains(p)) {
                checker.err(
                    codes::ROUTE_CONFLICT,
                    &at(&item("workloads", *i), ".route"),
                    format!(
                        "`{}` and `{}` both route {host} {p} through the {} Gateway",
                        w.name,
                        other.name,
                        r.gateway.as_str()
                    ),
                    Some(
                        "give them different `paths` or `hosts` (a Gateway would send it to only one)"
                            .to_string(),
                    ),
                );
            }
        }
    }
    if let Some(c) = &s.gcp.proxy_subnet {
        if let Err(why) = cidr(c) {
            checker.err(
                codes::BAD_CIDR,
                "gcp.proxySubnet",
                format!("`{c}` is not a CIDR: {why}"),
                Some("the proxy-only subnet's range, e.g. 10.129.0.0/23".to_string()),
            );
        }
    }
    let internal = routed
        .iter()
        .find(|(_, _, r)| r.gateway == GatewayKind::Internal);
    let Some((i, _, _)) = internal else { return };
    let network = s.gcp.network.as_deref().unwrap_or("default");
    let range = s.gcp.proxy_subnet.as_deref();
    if range.is_none() && !s.connections.is_empty() {
        checker.err(
            codes::PROXY_SUBNET_REQUIRED,
            &at(&item("workloads", *i), ".route.gateway"),
            "an internal Gateway's proxies connect from the region's proxy-only subnet, \
             and the NetworkPolicies need its range to admit them",
            Some(format!(
                "set `gcp.proxySubnet` to it (`gcloud compute networks subnets list \
                 --network={network} --filter=purpose=REGIONAL_MANAGED_PROXY \
                 --regions={region}`), e.g. `proxySubnet: 10.129.0.0/23`"
            )),
        );
        return;
    }
    // Google's guide "Deploying Gateways" (cloud.google.com/kubernetes-engine/
    // docs/how-to/deploying-gateways) and "Configure Gateway resources using
    // Policies": the internal GatewayClasses need a proxy-only subnet in the
    // cluster's region and network, made beforehand; GKE does not make it.
    checker.warn(
        codes::PROXY_ONLY_SUBNET,
        &at(&item("workloads", *i), ".route.gateway"),
        format!(
            "the internal Gateway needs a proxy-only subnet in {region} of network `{network}`; \
             GKE does not create it"
        ),
        Some(format!(
            "if the region has none yet: `gcloud compute networks subnets create \
             {network}-proxy-only --purpose=REGIONAL_MANAGED_PROXY --role=ACTIVE \
             --region={region} --network={network} --range={}`",
            range.unwrap_or("10.129.0.0/23")
        )),
    );
}

#[cfg(test)]
#[path = "routes_tests.rs"]
mod tests;
