//! Routing through GKE's Gateway controller: typed serde structs for the
//! Gateway API objects podwire makes (`gateway.networking.k8s.io/v1`
//! Gateway and HTTPRoute) and GKE's HealthCheckPolicy
//! (`networking.gke.io/v1`), and their lowering from the workloads' routes.
//!
//! Which fact follows which of Google's documents:
//! - the classes: "GatewayClass capabilities" / "Deploying Gateways"
//!   (cloud.google.com/kubernetes-engine/docs/how-to/deploying-gateways):
//!   `gke-l7-rilb` is the regional internal Application Load Balancer,
//!   `gke-l7-global-external-managed` the global external one; the internal
//!   classes need a proxy-only subnet in the region (see check/routes.rs);
//! - the cluster: Gateway API is enabled by `--gateway-api=standard`, which
//!   gcloud sends as `networkConfig.gatewayApiConfig.channel:
//!   CHANNEL_STANDARD` (compared in tests/gateway_conformance.rs), and needs
//!   a VPC-native cluster with the HttpLoadBalancing add-on (GKE's default;
//!   podwire never turns it off);
//! - HealthCheckPolicy: "Configure Gateway resources using Policies"
//!   (cloud.google.com/kubernetes-engine/docs/how-to/configure-gateway-resources):
//!   for a single-cluster Gateway it targets a Service (`targetRef: {group:
//!   "", kind: Service}`) in the Service's namespace; `spec.default.config`
//!   of `type: HTTP` with `httpHealthCheck.{portSpecification, port,
//!   requestPath}` (field names as in GoogleCloudPlatform/gke-gateway-api's
//!   `apis/networking/v1/healthcheck_types.go`). The backends are the pods
//!   themselves (container-native load balancing through NEGs), so the port
//!   is the pod's container port;
//! - the proxies' and health checkers' source ranges the NetworkPolicies
//!   admit: see [`HEALTH_CHECK_RANGES`] and `gcp.proxySubnet`.
//!
//! - TLS (`route.tls`): see [`https_listener`] for which certificate goes
//!   where, and [`redirect`] for port 80.
//!
//! One Gateway per kind a spec routes through, `<metadata.name>-internal` /
//! `-external`, with one HTTP listener on port 80 that takes routes of its
//! own namespace only; one HTTPRoute per routed workload, named after it.
//! With TLS, the Gateway also listens for HTTPS on 443, the workloads'
//! routes attach there, and an HTTPRoute `<gateway>-redirect` on port 80
//! redirects every request to HTTPS. The load balancer still sends plain
//! HTTP to the pods' routed port (TLS ends at the proxies), so the
//! NetworkPolicies admit the same sources on the same port.

use super::objects::{s, Lower, Object};
use crate::model::{GatewayKind, Model, Tls, Workload};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const API_VERSION: &str = "gateway.networking.k8s.io/v1";
pub const GATEWAY_KIND: &str = "Gateway";
pub const GATEWAY_PLURAL: &str = "gateways";
pub const ROUTE_KIND: &str = "HTTPRoute";
pub const ROUTE_PLURAL: &str = "httproutes";
pub const HEALTH_CHECK_API_VERSION: &str = "networking.gke.io/v1";
pub const HEALTH_CHECK_KIND: &str = "HealthCheckPolicy";
pub const HEALTH_CHECK_PLURAL: &str = "healthcheckpolicies";

/// The listener every Gateway has, and the routes' `sectionName` without TLS.
pub const LISTENER: &str = "http";
/// Its port.
pub const LISTENER_PORT: i32 = 80;
/// The HTTPS listener of a Gateway with TLS, and its routes' `sectionName`.
pub const TLS_LISTENER: &str = "https";
pub const TLS_LISTENER_PORT: i32 = 443;
/// GKE's annotation naming a Gateway's Certificate Manager certificate map.
pub const CERTMAP_ANNOTATION: &str = "networking.gke.io/certmap";
/// GKE's listener options: pre-shared Compute Engine SSL certificates, and
/// regional Certificate Manager certificates (comma-separated names).
pub const PRE_SHARED_CERTS_OPTION: &str = "networking.gke.io/pre-shared-certs";
pub const CERT_MANAGER_CERTS_OPTION: &str = "networking.gke.io/cert-manager-certs";

/// Where Google's health checkers and the global external Application
/// Load Balancer's front ends (GFEs) connect from: Cloud Load Balancing's
/// "Firewall rules" page (cloud.google.com/load-balancing/docs/firewall-rules)
/// and "Health checks overview", probe IP ranges. The regional internal
/// load balancer's health checks come from these ranges too; its proxies
/// from the proxy-only subnet.
pub const HEALTH_CHECK_RANGES: &[&str] = &["35.191.0.0/16", "130.211.0.0/22"];

/// GKE's GatewayClass of a kind.
pub fn class(g: GatewayKind) -> &'static str {
    match g {
        GatewayKind::Internal => "gke-l7-rilb",
        GatewayKind::External => "gke-l7-global-external-managed",
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Gateway {
    pub api_version: String,
    pub kind: String,
    pub metadata: ObjectMeta,
    pub spec: GatewaySpec,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct GatewaySpec {
    pub gateway_class_name: String,
    pub listeners: Vec<Listener>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Listener {
    pub name: String,
    pub protocol: String,
    pub port: i32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<ListenerTls>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_routes: Option<AllowedRoutes>,
}

/// Gateway API's `GatewayTLSConfig` (the fields podwire sets).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ListenerTls {
    pub mode: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub certificate_refs: Vec<CertificateRef>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub options: BTreeMap<String, String>,
}

/// A `SecretObjectReference` (group "" and kind Secret: the core Secret).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct CertificateRef {
    pub group: String,
    pub kind: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct AllowedRoutes {
    pub namespaces: RouteNamespaces,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct RouteNamespaces {
    pub from: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpRoute {
    pub api_version: String,
    pub kind: String,
    pub metadata: ObjectMeta,
    pub spec: HttpRouteSpec,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct HttpRouteSpec {
    pub parent_refs: Vec<ParentRef>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hostnames: Vec<String>,
    pub rules: Vec<HttpRouteRule>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ParentRef {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub section_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct HttpRouteRule {
    pub matches: Vec<HttpRouteMatch>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub filters: Vec<HttpRouteFilter>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub backend_refs: Vec<BackendRef>,
}

/// An HTTPRoute filter; podwire uses `RequestRedirect` only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct HttpRouteFilter {
    #[serde(rename = "type")]
    pub kind: String,
    pub request_redirect: RequestRedirect,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct RequestRedirect {
    pub scheme: String,
    pub status_code: i32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct HttpRouteMatch {
    pub path: HttpPathMatch,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct HttpPathMatch {
    #[serde(rename = "type")]
    pub kind: String,
    pub value: String,
}

/// A Service backend (group "" and kind Service, Gateway API's defaults,
/// with its port), or an InferencePool (group and kind given, no port: the
/// pool's `targetPorts` say where its pods serve).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct BackendRef {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HealthCheckPolicy {
    pub api_version: String,
    pub kind: String,
    pub metadata: ObjectMeta,
    pub spec: HealthCheckPolicySpec,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct HealthCheckPolicySpec {
    pub default: HealthCheckDefault,
    pub target_ref: TargetRef,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct HealthCheckDefault {
    pub config: HealthCheckConfig,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct HealthCheckConfig {
    #[serde(rename = "type")]
    pub kind: String,
    pub http_health_check: HttpHealthCheck,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct HttpHealthCheck {
    pub port_specification: String,
    pub port: i32,
    pub request_path: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct TargetRef {
    pub group: String,
    pub kind: String,
    pub name: String,
}

/// The port number of the health endpoint of `w`, when it has one.
pub(super) fn health_port(w: &Workload) -> Option<u16> {
    let h = w.health.as_ref()?;
    w.ports.iter().find(|p| p.name == h.port).map(|p| p.port)
}

fn same_namespace() -> Option<AllowedRoutes> {
    Some(AllowedRoutes {
        namespaces: RouteNamespaces { from: s("Same") },
    })
}

/// The HTTPS listener of a Gateway with `tls`, TLS terminated at the load
/// balancer (`mode: Terminate`, the only mode GKE's Application Load
/// Balancers have). Where each certificate goes, as GKE's "Secure a
/// Gateway" (cloud.google.com/kubernetes-engine/docs/how-to/secure-gateway)
/// and "Gateway security" (…/docs/concepts/gateway-security) give it in
/// 2026 (see also check/routes.rs, `check_tls`, for which class takes
/// which):
/// - a Secret: `tls.certificateRefs: [{group: "", kind: Secret, name}]`
///   (Gateway API's core form);
/// - pre-shared Compute Engine SSL certificates: `tls.options`
///   `networking.gke.io/pre-shared-certs: a,b`;
/// - a regional Certificate Manager certificate: `tls.options`
///   `networking.gke.io/cert-manager-certs: name`;
/// - a certificate map: no certificate on the listener (`tls.mode` only),
///   the map in the Gateway's `networking.gke.io/certmap` annotation
///   ([`CERTMAP_ANNOTATION`]; GKE refuses it beside `certificateRefs`).
fn https_listener(t: &Tls) -> Listener {
    let mut tls = ListenerTls {
        mode: s("Terminate"),
        ..Default::default()
    };
    match t {
        Tls::Secret(n) => tls.certificate_refs.push(CertificateRef {
            group: String::new(),
            kind: s("Secret"),
            name: n.clone(),
        }),
        Tls::PreShared(v) => {
            tls.options.insert(s(PRE_SHARED_CERTS_OPTION), v.join(","));
        }
        Tls::Certificate(n) => {
            tls.options.insert(s(CERT_MANAGER_CERTS_OPTION), n.clone());
        }
        Tls::CertificateMap(_) => {}
    }
    Listener {
        name: s(TLS_LISTENER),
        protocol: s("HTTPS"),
        port: TLS_LISTENER_PORT,
        tls: Some(tls),
        allowed_routes: same_namespace(),
    }
}

/// The name of the HTTPRoute that redirects a TLS Gateway's port 80.
pub fn redirect_name(gateway: &str) -> String {
    format!("{gateway}-redirect")
}

/// Port 80 of a Gateway with TLS: one HTTPRoute on the `http` listener
/// whose only rule (every path) answers `301` to the same URL with scheme
/// `https` (Gateway API's guide "HTTP path redirects and rewrites",
/// gateway-api.sigs.k8s.io/guides/http-redirect-rewrite, "HTTP-to-HTTPS
/// redirects"; GKE's "Secure a Gateway" redirects the same way). No
/// backend: the load balancer answers it, so nothing of the workloads is
/// reachable in clear text.
fn redirect(lw: &Lower, gateway: &str) -> Object {
    Object::HttpRoute(HttpRoute {
        api_version: s(API_VERSION),
        kind: s(ROUTE_KIND),
        metadata: lw.meta(&redirect_name(gateway), &[]),
        spec: HttpRouteSpec {
            parent_refs: vec![ParentRef {
                name: s(gateway),
                section_name: Some(s(LISTENER)),
            }],
            hostnames: Vec::new(),
            rules: vec![HttpRouteRule {
                matches: vec![HttpRouteMatch {
                    path: HttpPathMatch {
                        kind: s("PathPrefix"),
                        value: s("/"),
                    },
                }],
                filters: vec![HttpRouteFilter {
                    kind: s("RequestRedirect"),
                    request_redirect: RequestRedirect {
                        scheme: s("https"),
                        status_code: 301,
                    },
                }],
                backend_refs: Vec::new(),
            }],
        },
    })
}

/// The spec's Gateways (one per kind routed through), in kind order.
pub(super) fn gateways(lw: &Lower, out: &mut dyn FnMut(Object)) {
    let m: &Model = lw.m;
    for g in m.gateways() {
        let name = m.gateway_name(g);
        let tls = m.gateway_tls(g);
        let mut listeners = vec![Listener {
            name: s(LISTENER),
            protocol: s("HTTP"),
            port: LISTENER_PORT,
            tls: None,
            allowed_routes: same_namespace(),
        }];
        let mut metadata = lw.meta(&name, &[]);
        if let Some(t) = tls {
            listeners.push(https_listener(t));
            if let Tls::CertificateMap(map) = t {
                metadata
                    .annotations
                    .get_or_insert_with(Default::default)
                    .insert(s(CERTMAP_ANNOTATION), map.clone());
            }
        }
        out(Object::Gateway(Gateway {
            api_version: s(API_VERSION),
            kind: s(GATEWAY_KIND),
            metadata,
            spec: GatewaySpec {
                gateway_class_name: s(class(g)),
                listeners,
            },
        }));
    }
}

/// The port-80 redirect of each Gateway with TLS, in kind order (with the
/// HTTPRoutes, after the backends they could name).
pub(super) fn redirects(lw: &Lower, out: &mut dyn FnMut(Object)) {
    let m: &Model = lw.m;
    for g in m.gateways() {
        if m.gateway_tls(g).is_some() {
            out(redirect(lw, &m.gateway_name(g)));
        }
    }
}

/// Workload `w`'s HTTPRoute, and its HealthCheckPolicy when it has `health`.
pub(super) fn route(lw: &Lower, w: &Workload, out: &mut dyn FnMut(Object)) {
    let (Some(r), Some(service)) = (&w.route, &w.service) else {
        return;
    };
    let pooled = super::inference::pooled(w);
    out(Object::HttpRoute(HttpRoute {
        api_version: s(API_VERSION),
        kind: s(ROUTE_KIND),
        metadata: lw.wl_meta(&w.name, w),
        spec: HttpRouteSpec {
            parent_refs: vec![ParentRef {
                name: lw.m.gateway_name(r.gateway),
                section_name: Some(s(if lw.m.gateway_tls(r.gateway).is_some() {
                    TLS_LISTENER
                } else {
                    LISTENER
                })),
            }],
            hostnames: r.hosts.clone(),
            rules: vec![HttpRouteRule {
                matches: r
                    .paths
                    .iter()
                    .map(|p| HttpRouteMatch {
                        path: HttpPathMatch {
                            kind: s("PathPrefix"),
                            value: p.clone(),
                        },
                    })
                    .collect(),
                filters: Vec::new(),
                backend_refs: vec![if pooled {
                    BackendRef {
                        group: Some(s(super::inference::GROUP)),
                        kind: Some(s(super::inference::KIND)),
                        name: w.name.clone(),
                        port: None,
                    }
                } else {
                    BackendRef {
                        name: service.clone(),
                        port: Some(i32::from(r.port_number)),
                        ..Default::default()
                    }
                }],
            }],
        },
    }));
    if let (Some(h), Some(port)) = (&w.health, health_port(w)) {
        out(Object::HealthCheckPolicy(HealthCheckPolicy {
            api_version: s(HEALTH_CHECK_API_VERSION),
            kind: s(HEALTH_CHECK_KIND),
            metadata: lw.wl_meta(&w.name, w),
            spec: HealthCheckPolicySpec {
                default: HealthCheckDefault {
                    config: HealthCheckConfig {
                        kind: s("HTTP"),
                        http_health_check: HttpHealthCheck {
                            port_specification: s("USE_FIXED_PORT"),
                            port: i32::from(port),
                            request_path: h.path.clone(),
                        },
                    },
                },
                // The chart's gke.yaml: with an InferencePool, the policy
                // targets the pool (the load balancer's backends are its pods).
                target_ref: if pooled {
                    TargetRef {
                        group: s(super::inference::GROUP),
                        kind: s(super::inference::KIND),
                        name: w.name.clone(),
                    }
                } else {
                    TargetRef {
                        group: String::new(),
                        kind: s("Service"),
                        name: service.clone(),
                    }
                },
            },
        }));
    }
}

#[cfg(test)]
#[path = "gateway_tests.rs"]
mod tests;
