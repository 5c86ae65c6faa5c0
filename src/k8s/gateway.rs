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
mod tests {
    use serde_json::{json, Value};

    fn objects(src: &str) -> Vec<Value> {
        let a = crate::analyze(src);
        let Some(m) = a.model else {
            panic!("compiles: {:?}", a.diagnostics)
        };
        super::super::objects(&m)
            .iter()
            .map(|o| o.to_json())
            .collect()
    }

    const SRC: &str = "apiVersion: podwire.dev/v1alpha1\nkind: AIWorkload\nmetadata: {name: t}\n\
        gcp: {project: my-project, location: us-central1-a, proxySubnet: 10.129.0.0/23}\n\
        cluster:\n  nodePools:\n    - {name: p, machineType: n2-standard-8}\n\
        workloads:\n  - {name: a, image: r/s:1, ports: [{name: http, port: 8000}, {name: m, port: 9000}],\n     \
        health: {path: /health, port: m}, route: {gateway: internal, paths: [/v1, /v2], hosts: [a.example.com]}}\n  \
        - {name: b, image: r/s:1, service: {name: bee}, ports: [{name: http, port: 8080}], route: {gateway: external}}\n  \
        - {name: c, image: r/s:1, ports: [{name: http, port: 8080}], route: {gateway: internal, paths: [/c]}}\n";

    #[test]
    fn one_gateway_per_kind_and_a_route_per_workload() {
        let all = objects(SRC);
        let gws: Vec<&Value> = all.iter().filter(|o| o["kind"] == "Gateway").collect();
        assert_eq!(gws.len(), 2);
        assert_eq!(gws[0]["metadata"]["name"], "t-internal");
        assert_eq!(gws[0]["spec"]["gatewayClassName"], "gke-l7-rilb");
        assert_eq!(gws[1]["metadata"]["name"], "t-external");
        assert_eq!(
            gws[1]["spec"]["gatewayClassName"],
            "gke-l7-global-external-managed"
        );
        assert_eq!(
            gws[0]["spec"]["listeners"],
            json!([{"name": "http", "protocol": "HTTP", "port": 80, "allowedRoutes": {"namespaces": {"from": "Same"}}}])
        );
        let routes: Vec<&Value> = all.iter().filter(|o| o["kind"] == "HTTPRoute").collect();
        assert_eq!(routes.len(), 3);
        // a: the route's port defaults to the health port; two prefixes, one host.
        assert_eq!(
            routes[0]["spec"],
            json!({
                "parentRefs": [{"name": "t-internal", "sectionName": "http"}],
                "hostnames": ["a.example.com"],
                "rules": [{
                    "matches": [{"path": {"type": "PathPrefix", "value": "/v1"}}, {"path": {"type": "PathPrefix", "value": "/v2"}}],
                    "backendRefs": [{"name": "a", "port": 9000}]
                }]
            })
        );
        // b: every host and path, to the renamed Service.
        assert_eq!(routes[1]["spec"]["parentRefs"][0]["name"], "t-external");
        assert!(routes[1]["spec"].get("hostnames").is_none());
        assert_eq!(
            routes[1]["spec"]["rules"][0]["matches"][0]["path"]["value"],
            "/"
        );
        assert_eq!(
            routes[1]["spec"]["rules"][0]["backendRefs"],
            json!([{"name": "bee", "port": 8080}])
        );
        // Only `a` has health: one HealthCheckPolicy, on its Service.
        let hcs: Vec<&Value> = all
            .iter()
            .filter(|o| o["kind"] == "HealthCheckPolicy")
            .collect();
        assert_eq!(hcs.len(), 1);
        assert_eq!(hcs[0]["apiVersion"], "networking.gke.io/v1");
        assert_eq!(
            hcs[0]["spec"],
            json!({
                "default": {"config": {"type": "HTTP", "httpHealthCheck": {"portSpecification": "USE_FIXED_PORT", "port": 9000, "requestPath": "/health"}}},
                "targetRef": {"group": "", "kind": "Service", "name": "a"}
            })
        );
    }

    /// The constraints of GKE's HealthCheckPolicy CRD
    /// (GoogleCloudPlatform/gke-gateway-api
    /// `config/crd/networking.gke.io_healthcheckpolicies.yaml`, commit
    /// 16e49509): `config` has exactly two properties (`type` and the one
    /// matching health check), `portSpecification` and `type` are of their
    /// enums, the port is 1..65535, `requestPath` matches the CRD's
    /// pattern, and `targetRef` has `group`, `kind` and `name` (group ""
    /// for the core group). tests/crds.rs cannot check it: the CRD is not
    /// in shared/crds.
    #[test]
    fn health_check_policies_keep_to_gkes_crd() {
        let all = objects(SRC);
        let hc = all
            .iter()
            .find(|o| o["kind"] == "HealthCheckPolicy")
            .unwrap_or_else(|| panic!("a HealthCheckPolicy"));
        let config = hc["spec"]["default"]["config"]
            .as_object()
            .unwrap_or_else(|| panic!("config"));
        assert_eq!(config.len(), 2);
        assert!(["TCP", "HTTP", "HTTPS", "HTTP2", "GRPC"]
            .contains(&config["type"].as_str().unwrap_or_default()));
        let http = &config["httpHealthCheck"];
        assert!(["USE_FIXED_PORT", "USE_NAMED_PORT", "USE_SERVING_PORT"]
            .contains(&http["portSpecification"].as_str().unwrap_or_default()));
        assert!((1..=65535).contains(&http["port"].as_i64().unwrap_or(0)));
        let path = http["requestPath"].as_str().unwrap_or_default();
        assert!(
            path.starts_with('/')
                && path.len() <= 2048
                && path
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "/-._~%!?$&'()*+,;=:".contains(c)),
            "{path}"
        );
        let t = hc["spec"]["targetRef"]
            .as_object()
            .unwrap_or_else(|| panic!("targetRef"));
        for k in ["group", "kind", "name"] {
            assert!(t.contains_key(k), "{k}");
        }
        assert_eq!(t["group"], "");
    }

    /// A LeaderWorkerSet's route goes to its client Service, which selects
    /// the leaders; the Gateway's sources are admitted on the leaders only.
    #[test]
    fn a_grouped_workload_is_routed_to_its_leaders() {
        let src = "apiVersion: podwire.dev/v1alpha1\nkind: AIWorkload\nmetadata: {name: t}\n\
            gcp: {project: my-project, location: us-central1-a}\n\
            cluster:\n  nodePools:\n    - {name: h100, machineType: a3-highgpu-8g, nodes: 4}\n\
            workloads:\n  - {name: llm, image: r/s:1, run: service, groupSize: 2, gpus: 8, distributed: pytorch,\n     \
            ports: [{name: http, port: 8000}], health: {path: /health}, route: {gateway: external}}\n\
            connections:\n  - {from: llm, to: internet, ports: [443]}\n";
        let all = objects(src);
        let route = all
            .iter()
            .find(|o| o["kind"] == "HTTPRoute")
            .unwrap_or_else(|| panic!("a route"));
        assert_eq!(
            route["spec"]["rules"][0]["backendRefs"],
            json!([{"name": "llm", "port": 8000}])
        );
        let leaders = all
            .iter()
            .find(|o| o["kind"] == "NetworkPolicy" && o["metadata"]["name"] == "llm-leaders")
            .unwrap_or_else(|| panic!("the leaders' policy"));
        assert_eq!(
            leaders["spec"]["ingress"],
            json!([{"from": [{"ipBlock": {"cidr": "35.191.0.0/16"}}, {"ipBlock": {"cidr": "130.211.0.0/22"}}],
                    "ports": [{"port": 8000, "protocol": "TCP"}]}])
        );
        let own = all
            .iter()
            .find(|o| o["kind"] == "NetworkPolicy" && o["metadata"]["name"] == "llm")
            .unwrap_or_else(|| panic!("the workload's policy"));
        assert_eq!(own["spec"]["ingress"], json!([]));
    }

    #[test]
    fn no_route_no_gateway_objects() {
        let src = SRC.replace("route: {gateway: external}", "expose: external");
        let src = src.replace(
            ", route: {gateway: internal, paths: [/v1, /v2], hosts: [a.example.com]}",
            "",
        );
        let all = objects(&src);
        // `c` still routes through the internal Gateway; nothing external.
        let gws: Vec<&Value> = all.iter().filter(|o| o["kind"] == "Gateway").collect();
        assert_eq!(gws.len(), 1);
        assert_eq!(gws[0]["metadata"]["name"], "t-internal");
        assert_eq!(all.iter().filter(|o| o["kind"] == "HTTPRoute").count(), 1);
        assert_eq!(
            all.iter()
                .filter(|o| o["kind"] == "HealthCheckPolicy")
                .count(),
            0
        );
    }

    fn gateway_and_routes(src: &str) -> (Value, Vec<Value>) {
        let all = objects(src);
        let gw = all
            .iter()
            .find(|o| o["kind"] == "Gateway")
            .cloned()
            .unwrap_or_else(|| panic!("a Gateway"));
        let routes = all
            .iter()
            .filter(|o| o["kind"] == "HTTPRoute")
            .cloned()
            .collect();
        (gw, routes)
    }

    fn tls_spec(kind: &str, tls: &str) -> String {
        format!(
            "apiVersion: podwire.dev/v1alpha1\nkind: AIWorkload\nmetadata: {{name: t}}\n\
             gcp: {{project: my-project, location: us-central1-a, proxySubnet: 10.129.0.0/23}}\n\
             cluster:\n  nodePools:\n    - {{name: p, machineType: n2-standard-8}}\n\
             workloads:\n  - {{name: a, image: r/s:1, ports: [{{name: http, port: 8000}}],\n     \
             route: {{gateway: {kind}, paths: [/v1], tls: {tls}}}}}\n\
             connections:\n  - {{from: a, to: internet, ports: [443]}}\n"
        )
    }

    #[test]
    fn https_listens_on_443_and_port_80_redirects() {
        let (gw, routes) = gateway_and_routes(&tls_spec("internal", "{secret: a-tls}"));
        assert_eq!(
            gw["spec"]["listeners"],
            json!([
                {"name": "http", "protocol": "HTTP", "port": 80, "allowedRoutes": {"namespaces": {"from": "Same"}}},
                {"name": "https", "protocol": "HTTPS", "port": 443,
                 "tls": {"mode": "Terminate", "certificateRefs": [{"group": "", "kind": "Secret", "name": "a-tls"}]},
                 "allowedRoutes": {"namespaces": {"from": "Same"}}}
            ])
        );
        assert!(gw["metadata"].get("annotations").is_none());
        assert_eq!(routes.len(), 2);
        // The workload's route is on the HTTPS listener ...
        let a = routes
            .iter()
            .find(|r| r["metadata"]["name"] == "a")
            .unwrap_or_else(|| panic!("a's route"));
        assert_eq!(
            a["spec"]["parentRefs"],
            json!([{"name": "t-internal", "sectionName": "https"}])
        );
        assert_eq!(
            a["spec"]["rules"][0]["backendRefs"],
            json!([{"name": "a", "port": 8000}])
        );
        // ... and port 80 only redirects, to no backend.
        let r = routes
            .iter()
            .find(|r| r["metadata"]["name"] == "t-internal-redirect")
            .unwrap_or_else(|| panic!("the redirect"));
        assert_eq!(
            r["spec"],
            json!({
                "parentRefs": [{"name": "t-internal", "sectionName": "http"}],
                "rules": [{
                    "matches": [{"path": {"type": "PathPrefix", "value": "/"}}],
                    "filters": [{"type": "RequestRedirect", "requestRedirect": {"scheme": "https", "statusCode": 301}}]
                }]
            })
        );
        assert!(r["metadata"]["labels"]
            .get("podwire.dev/workload")
            .is_none());
    }

    #[test]
    fn each_certificate_goes_where_gke_reads_it() {
        let listener_tls = |gw: &Value| gw["spec"]["listeners"][1]["tls"].clone();
        let (gw, _) = gateway_and_routes(&tls_spec("external", "{certificateMap: a-map}"));
        assert_eq!(
            gw["metadata"]["annotations"]["networking.gke.io/certmap"],
            "a-map"
        );
        // No certificate on the listener beside the map (GKE refuses both).
        assert_eq!(listener_tls(&gw), json!({"mode": "Terminate"}));
        let (gw, _) = gateway_and_routes(&tls_spec("external", "{preSharedCerts: [c1, c2]}"));
        assert_eq!(
            listener_tls(&gw),
            json!({"mode": "Terminate", "options": {"networking.gke.io/pre-shared-certs": "c1,c2"}})
        );
        assert!(gw["metadata"].get("annotations").is_none());
        let (gw, _) = gateway_and_routes(&tls_spec("internal", "{certificate: a-cert}"));
        assert_eq!(
            listener_tls(&gw),
            json!({"mode": "Terminate", "options": {"networking.gke.io/cert-manager-certs": "a-cert"}})
        );
    }

    /// TLS ends at the load balancer: the pods get the same sources on the
    /// same port as without it.
    #[test]
    fn tls_leaves_the_policies_as_they_were() {
        let policies = |src: &str| -> Vec<Value> {
            objects(src)
                .into_iter()
                .filter(|o| o["kind"] == "NetworkPolicy")
                .collect()
        };
        for kind in ["internal", "external"] {
            let with = tls_spec(kind, "{secret: a-tls}");
            let without = with.replace(", tls: {secret: a-tls}", "");
            assert_ne!(with, without);
            assert_eq!(policies(&with), policies(&without), "{kind}");
        }
    }
}
