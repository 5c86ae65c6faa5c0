//! GKE Inference Gateway: a routed workload's InferencePool (typed serde
//! structs for `inference.networking.k8s.io/v1`) and its endpoint picker
//! (EPP: ServiceAccount, Role and RoleBinding, Service, Deployment).
//!
//! Which fact follows which source:
//! - the API: GKE's "About GKE Inference Gateway" and "Deploy GKE Inference
//!   Gateway" (cloud.google.com/kubernetes-engine/docs/concepts/about-gke-inference-gateway,
//!   .../how-to/deploy-gke-inference-gateway) use the v1 InferencePool,
//!   group `inference.networking.k8s.io`, which an HTTPRoute names as a
//!   backend (`group`, `kind: InferencePool`, no port);
//! - the InferencePool's fields and the EPP's objects: the upstream chart
//!   kubernetes-sigs/gateway-api-inference-extension
//!   `config/charts/inferencepool` (chart v1.0.1, the version the llm-d GKE
//!   recipe installs with `provider.name=gke` and `inferencePool.apiVersion=
//!   inference.networking.k8s.io/v1`): `templates/inferencepool.yaml`
//!   (`spec.targetPorts[].number`, `spec.selector.matchLabels`,
//!   `spec.endpointPickerRef.{name, port.number}` = `<name>-epp`, 9002),
//!   `templates/epp-service.yaml` (ClusterIP, `grpc-ext-proc` 9002 with
//!   `appProtocol: http2`, `http-metrics` 9090), `templates/epp-deployment.yaml`
//!   (container `epp`, args `--pool-name <pool> --zap-encoder json`, the
//!   `NAMESPACE` env from the downward API, ports grpc 9002, grpc-health
//!   9003, metrics 9090, gRPC liveness and readiness probes on 9003 for the
//!   service `inference-extension`, `terminationGracePeriodSeconds: 130`),
//!   `templates/rbac.yaml` (get/watch/list on inferencepools and
//!   inferenceobjectives). The pods rule is not in the chart's current
//!   rbac.yaml (read at 13113fb2, a later chart than v1.0.1; where that
//!   chart grants it was not found); podwire grants get/watch/list
//!   on pods in the namespace as the envoyproxy/ai-gateway inference-pool
//!   example does for the same v1.0.1 picker, since the picker watches the
//!   pool's pods. Not granted: tokenreviews/subjectaccessreviews, which only
//!   the picker's authenticated metrics endpoint uses (podwire sets up no
//!   scraping of it). The image is the v1.0.1 release,
//!   `registry.k8s.io/gateway-api-inference-extension/epp:v1.0.1`, the
//!   version that serves `inference.networking.k8s.io/v1` pools. GKE
//!   installs the InferencePool CRD itself from 1.34.0-gke.1626000 (llm-d's
//!   GKE guide, llm-d.ai/docs/infrastructure/gateway/gke); older clusters
//!   need it applied first.
//!   Not taken from the chart: its plugins ConfigMap (`--config-file`; the
//!   EPP's built-in default plugins apply without it), its GKE monitoring
//!   (ClusterPodMonitoring, token Secret) and its GCPBackendPolicy (a
//!   request timeout and logging, not required by GKE's guide).
//! - the health check: the chart's `gke.yaml` HealthCheckPolicy targets the
//!   InferencePool (group `inference.networking.k8s.io`); podwire's targets
//!   it too when the workload has `health` (see gateway.rs).
//!
//! The EPP's pods meet Pod Security "restricted" like every pod podwire
//! makes; unlike the workloads' they mount their ServiceAccount token (the
//! EPP watches pods and its pool through the API server).

use super::objects::{labels, s, Lower, Object, WORKLOAD_LABEL};
use crate::model::Workload;
use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec};
use k8s_openapi::api::core::v1::{
    Capabilities, Container, ContainerPort, EnvVar, EnvVarSource, GRPCAction, ObjectFieldSelector,
    PodSecurityContext, PodSpec, PodTemplateSpec, Probe, SeccompProfile, SecurityContext, Service,
    ServiceAccount, ServicePort, ServiceSpec, Toleration,
};
use k8s_openapi::api::rbac::v1::{PolicyRule, Role, RoleBinding, RoleRef, Subject};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const GROUP: &str = "inference.networking.k8s.io";
pub const API_VERSION: &str = "inference.networking.k8s.io/v1";
pub const KIND: &str = "InferencePool";
pub const PLURAL: &str = "inferencepools";
/// The EPP's image (the chart's v1.0.1 release value).
pub const EPP_IMAGE: &str = "registry.k8s.io/gateway-api-inference-extension/epp:v1.0.1";
/// The EPP's ext-proc (gRPC) port, which the Gateway's proxies call.
pub const EXT_PROC_PORT: u16 = 9002;
/// The EPP's gRPC health port (its probes).
pub const HEALTH_PORT: u16 = 9003;
/// The EPP's own metrics port.
pub const METRICS_PORT: u16 = 9090;
/// Label on the EPP's pods (its Service's and Deployment's selector).
pub const EPP_LABEL: &str = "podwire.dev/endpoint-picker";
/// The distroless `nonroot` user the EPP image runs as.
const EPP_USER: i64 = 65532;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InferencePool {
    pub api_version: String,
    pub kind: String,
    pub metadata: ObjectMeta,
    pub spec: InferencePoolSpec,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct InferencePoolSpec {
    pub selector: PoolSelector,
    pub target_ports: Vec<PortNumber>,
    pub endpoint_picker_ref: EndpointPickerRef,
}

/// v1's selector: `matchLabels` only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct PoolSelector {
    pub match_labels: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct PortNumber {
    pub number: i32,
}

/// A Service in the pool's namespace (group "" and kind Service, the CRD's
/// defaults), on its ext-proc port.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct EndpointPickerRef {
    pub name: String,
    pub port: PortNumber,
}

/// The name of workload `w`'s endpoint picker (its Service, Deployment,
/// ServiceAccount, Role and RoleBinding): the chart's `<pool>-epp`.
pub fn epp_name(w: &Workload) -> String {
    format!("{}-epp", w.name)
}

/// Whether `w` routes through an InferencePool.
pub fn pooled(w: &Workload) -> bool {
    w.route.as_ref().is_some_and(|r| r.inference_pool) && w.service.is_some()
}

/// The labels of `w`'s EPP pods.
pub(super) fn epp_selector(w: &Workload) -> BTreeMap<String, String> {
    labels(&[(EPP_LABEL, &w.name)])
}

fn epp_meta(lw: &Lower, w: &Workload) -> ObjectMeta {
    lw.meta(
        &epp_name(w),
        &[
            ("app.kubernetes.io/name", &epp_name(w)),
            (EPP_LABEL, &w.name),
        ],
    )
}

/// The EPP's ServiceAccount (its token mounted: it watches the API), Role
/// and RoleBinding, before the policies and Services.
pub(super) fn accounts(lw: &Lower, w: &Workload, out: &mut dyn FnMut(Object)) {
    if !pooled(w) {
        return;
    }
    out(Object::ServiceAccount(ServiceAccount {
        metadata: epp_meta(lw, w),
        automount_service_account_token: Some(true),
        ..Default::default()
    }));
    let read = || vec![s("get"), s("watch"), s("list")];
    out(Object::Role(Role {
        metadata: epp_meta(lw, w),
        rules: Some(vec![
            PolicyRule {
                api_groups: Some(vec![String::new()]),
                resources: Some(vec![s("pods")]),
                verbs: read(),
                ..Default::default()
            },
            PolicyRule {
                api_groups: Some(vec![s(GROUP)]),
                resources: Some(vec![s(PLURAL)]),
                verbs: read(),
                ..Default::default()
            },
            PolicyRule {
                api_groups: Some(vec![s("inference.networking.x-k8s.io")]),
                resources: Some(vec![s("inferenceobjectives")]),
                verbs: read(),
                ..Default::default()
            },
        ]),
    }));
    out(Object::RoleBinding(RoleBinding {
        metadata: epp_meta(lw, w),
        role_ref: RoleRef {
            api_group: Some(s("rbac.authorization.k8s.io")),
            kind: s("Role"),
            name: epp_name(w),
        },
        subjects: Some(vec![Subject {
            kind: s("ServiceAccount"),
            name: epp_name(w),
            namespace: Some(lw.m.namespace.clone()),
            ..Default::default()
        }]),
    }));
}

/// The EPP's Service (after the workload's Service).
pub(super) fn service(lw: &Lower, w: &Workload, out: &mut dyn FnMut(Object)) {
    if !pooled(w) {
        return;
    }
    let port = |name: &str, n: u16, app: Option<&str>| ServicePort {
        name: Some(s(name)),
        protocol: Some(s("TCP")),
        port: i32::from(n),
        target_port: Some(IntOrString::Int(i32::from(n))),
        app_protocol: app.map(s),
        ..Default::default()
    };
    out(Object::Service(Service {
        metadata: epp_meta(lw, w),
        spec: Some(ServiceSpec {
            type_: Some(s("ClusterIP")),
            selector: Some(epp_selector(w)),
            ports: Some(vec![
                port("grpc-ext-proc", EXT_PROC_PORT, Some("http2")),
                port("http-metrics", METRICS_PORT, None),
            ]),
            ..Default::default()
        }),
        ..Default::default()
    }));
}

/// The InferencePool (after the EPP's Service, which it names; the
/// HTTPRoute comes after it).
pub(super) fn pool(lw: &Lower, w: &Workload, out: &mut dyn FnMut(Object)) {
    let (true, Some(r)) = (pooled(w), &w.route) else {
        return;
    };
    out(Object::InferencePool(InferencePool {
        api_version: s(API_VERSION),
        kind: s(KIND),
        metadata: lw.wl_meta(&w.name, w),
        spec: InferencePoolSpec {
            selector: PoolSelector {
                match_labels: Lower::serving_selector(w),
            },
            target_ports: vec![PortNumber {
                number: i32::from(r.port_number),
            }],
            endpoint_picker_ref: EndpointPickerRef {
                name: epp_name(w),
                port: PortNumber {
                    number: i32::from(EXT_PROC_PORT),
                },
            },
        },
    }));
}

/// The EPP's Deployment (with the workloads).
pub(super) fn deployment(lw: &Lower, w: &Workload, out: &mut dyn FnMut(Object)) {
    if !pooled(w) {
        return;
    }
    let grpc_probe = || Probe {
        grpc: Some(GRPCAction {
            port: i32::from(HEALTH_PORT),
            service: Some(s("inference-extension")),
            ..Default::default()
        }),
        initial_delay_seconds: Some(5),
        period_seconds: Some(10),
        ..Default::default()
    };
    let cport = |name: &str, n: u16| ContainerPort {
        name: Some(s(name)),
        container_port: i32::from(n),
        protocol: Some(s("TCP")),
        ..Default::default()
    };
    let seccomp = || {
        Some(SeccompProfile {
            type_: s("RuntimeDefault"),
            ..Default::default()
        })
    };
    let mut pod_labels = lw.common();
    pod_labels.insert(s("app.kubernetes.io/name"), epp_name(w));
    pod_labels.extend(epp_selector(w));
    // Not the workload's label: the EPP's pods are not the workload's.
    pod_labels.remove(WORKLOAD_LABEL);
    out(Object::Deployment(Box::new(Deployment {
        metadata: epp_meta(lw, w),
        spec: DeploymentSpec {
            replicas: Some(1),
            selector: LabelSelector {
                match_labels: Some(epp_selector(w)),
                ..Default::default()
            },
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(pod_labels),
                    ..Default::default()
                }),
                spec: Some(PodSpec {
                    automount_service_account_token: Some(true),
                    service_account_name: Some(epp_name(w)),
                    termination_grace_period_seconds: Some(130),
                    // GKE taints GPU and TPU nodes; the picker (a few
                    // hundred MB, no accelerator) may share them, so that it
                    // schedules in a cluster of accelerator pools only (the
                    // chart leaves this to `inferenceExtension.tolerations`).
                    tolerations: Some(
                        ["nvidia.com/gpu", "google.com/tpu"]
                            .iter()
                            .map(|k| Toleration {
                                key: Some(s(k)),
                                operator: Some(s("Exists")),
                                effect: Some(s("NoSchedule")),
                                ..Default::default()
                            })
                            .collect(),
                    ),
                    security_context: Some(PodSecurityContext {
                        run_as_non_root: Some(true),
                        run_as_user: Some(EPP_USER),
                        run_as_group: Some(EPP_USER),
                        seccomp_profile: seccomp(),
                        ..Default::default()
                    }),
                    containers: vec![Container {
                        name: s("epp"),
                        image: Some(s(EPP_IMAGE)),
                        image_pull_policy: Some(s("IfNotPresent")),
                        args: Some(vec![
                            s("--pool-name"),
                            w.name.clone(),
                            s("--zap-encoder"),
                            s("json"),
                        ]),
                        env: Some(vec![EnvVar {
                            name: s("NAMESPACE"),
                            value_from: Some(EnvVarSource {
                                field_ref: Some(ObjectFieldSelector {
                                    field_path: s("metadata.namespace"),
                                    ..Default::default()
                                }),
                                ..Default::default()
                            }),
                            ..Default::default()
                        }]),
                        ports: Some(vec![
                            cport("grpc", EXT_PROC_PORT),
                            cport("grpc-health", HEALTH_PORT),
                            cport("metrics", METRICS_PORT),
                        ]),
                        liveness_probe: Some(grpc_probe()),
                        readiness_probe: Some(grpc_probe()),
                        security_context: Some(SecurityContext {
                            allow_privilege_escalation: Some(false),
                            capabilities: Some(Capabilities {
                                drop: Some(vec![s("ALL")]),
                                ..Default::default()
                            }),
                            run_as_non_root: Some(true),
                            seccomp_profile: seccomp(),
                            ..Default::default()
                        }),
                        ..Default::default()
                    }],
                    ..Default::default()
                }),
            },
            ..Default::default()
        },
        ..Default::default()
    })));
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

    fn find<'a>(all: &'a [Value], kind: &str, name: &str) -> &'a Value {
        all.iter()
            .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
            .unwrap_or_else(|| panic!("{kind} {name}"))
    }

    pub(crate) const SRC: &str = "apiVersion: podwire.dev/v1alpha1\nkind: AIWorkload\nmetadata: {name: t}\n\
        gcp: {project: my-project, location: us-central1-a, proxySubnet: 10.129.0.0/23}\n\
        cluster:\n  nodePools:\n    - {name: h100, machineType: a3-highgpu-8g, nodes: 4}\n\
        workloads:\n  - {name: llm, image: r/s:1, run: service, groupSize: 2, gpus: 8, distributed: pytorch,\n     \
        ports: [{name: http, port: 8000}], health: {path: /health}, route: {gateway: internal, inferencePool: true}}\n\
        connections:\n  - {from: llm, to: internet, ports: [443]}\n";

    #[test]
    fn the_route_sends_to_a_pool_of_the_leaders_and_its_picker() {
        let all = objects(SRC);
        let route = find(&all, "HTTPRoute", "llm");
        assert_eq!(
            route["spec"]["rules"][0]["backendRefs"],
            json!([{"group": "inference.networking.k8s.io", "kind": "InferencePool", "name": "llm"}])
        );
        let pool = find(&all, "InferencePool", "llm");
        assert_eq!(pool["apiVersion"], "inference.networking.k8s.io/v1");
        assert_eq!(
            pool["spec"],
            json!({
                "selector": {"matchLabels": {"podwire.dev/workload": "llm", "leaderworkerset.sigs.k8s.io/worker-index": "0"}},
                "targetPorts": [{"number": 8000}],
                "endpointPickerRef": {"name": "llm-epp", "port": {"number": 9002}}
            })
        );
        let hc = find(&all, "HealthCheckPolicy", "llm");
        assert_eq!(
            hc["spec"]["targetRef"],
            json!({"group": "inference.networking.k8s.io", "kind": "InferencePool", "name": "llm"})
        );
        let svc = find(&all, "Service", "llm-epp");
        assert_eq!(
            svc["spec"]["ports"],
            json!([
                {"name": "grpc-ext-proc", "protocol": "TCP", "port": 9002, "targetPort": 9002, "appProtocol": "http2"},
                {"name": "http-metrics", "protocol": "TCP", "port": 9090, "targetPort": 9090}
            ])
        );
        assert_eq!(
            svc["spec"]["selector"],
            json!({"podwire.dev/endpoint-picker": "llm"})
        );
        let d = find(&all, "Deployment", "llm-epp");
        let pod = &d["spec"]["template"];
        assert_eq!(
            pod["metadata"]["labels"]["podwire.dev/endpoint-picker"],
            "llm"
        );
        assert!(pod["metadata"]["labels"]
            .get("podwire.dev/workload")
            .is_none());
        let c = &pod["spec"]["containers"][0];
        assert_eq!(
            c["args"],
            json!(["--pool-name", "llm", "--zap-encoder", "json"])
        );
        assert_eq!(pod["spec"]["serviceAccountName"], "llm-epp");
        assert_eq!(pod["spec"]["automountServiceAccountToken"], true);
        let role = find(&all, "Role", "llm-epp");
        for rule in role["rules"].as_array().unwrap_or(&Vec::new()) {
            assert_eq!(rule["verbs"], json!(["get", "watch", "list"]));
        }
        assert_eq!(role["rules"][0]["resources"], json!(["pods"]));
        assert_eq!(role["rules"][1]["resources"], json!(["inferencepools"]));
        let rb = find(&all, "RoleBinding", "llm-epp");
        assert_eq!(rb["roleRef"]["name"], "llm-epp");
        assert_eq!(rb["subjects"][0]["name"], "llm-epp");
    }

    #[test]
    fn the_picker_has_exactly_its_flows() {
        let all = objects(SRC);
        let p = find(&all, "NetworkPolicy", "llm-epp");
        assert_eq!(
            p["spec"]["ingress"],
            json!([{"from": [{"ipBlock": {"cidr": "10.129.0.0/23"}}], "ports": [{"port": 9002, "protocol": "TCP"}]}])
        );
        assert_eq!(
            p["spec"]["egress"],
            json!([
                {"to": [{"podSelector": {"matchLabels": {"podwire.dev/workload": "llm", "leaderworkerset.sigs.k8s.io/worker-index": "0"}}}],
                 "ports": [{"port": 8000, "protocol": "TCP"}]},
                {"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}], "ports": [{"port": 443, "protocol": "TCP"}]}
            ])
        );
        let leaders = find(&all, "NetworkPolicy", "llm-leaders");
        let from_epp = json!({"from": [{"podSelector": {"matchLabels": {"podwire.dev/endpoint-picker": "llm"}}}],
                              "ports": [{"port": 8000, "protocol": "TCP"}]});
        assert!(
            leaders["spec"]["ingress"]
                .as_array()
                .is_some_and(|r| r.contains(&from_epp)),
            "{}",
            leaders["spec"]["ingress"]
        );
    }

    #[test]
    fn no_pool_without_the_field() {
        let all = objects(&SRC.replace(", inferencePool: true", ""));
        for k in ["InferencePool", "Role", "RoleBinding"] {
            assert!(all.iter().all(|o| o["kind"] != k), "{k}");
        }
        assert!(all.iter().all(|o| !o["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .ends_with("-epp")));
    }

    #[test]
    fn not_through_the_global_external_gateway() {
        let a = crate::analyze(&SRC.replace("gateway: internal", "gateway: external"));
        assert!(
            a.diagnostics
                .iter()
                .any(|d| d.code == "PW0626" && d.path == "workloads[0].route.inferencePool"),
            "{:?}",
            a.diagnostics
        );
    }
}
