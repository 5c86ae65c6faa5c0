//! What a long-running workload serves with: its HTTP route through a GKE
//! Gateway, health probes, pod autoscaling and disruption budget.

use super::{PortRef, Quantity, Scalar};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A workload's HTTP route through a GKE Gateway: the spec's Gateway
/// `<metadata.name>-<gateway>` of that kind (a plain-HTTP listener on port
/// 80, and with `tls` an HTTPS one on 443 to which port 80 redirects; for
/// routes of the workload namespace; its address is in the Gateway's
/// status once GKE has made the load balancer), an HTTPRoute
/// `<workload>` to the workload's Service, and, with `health`, a
/// HealthCheckPolicy that makes the load balancer's health check ask the
/// `health` path (without it, GKE's default health check asks `/` on the
/// routed port, which a model server may not answer).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Route {
    /// `internal`: a regional internal application load balancer (GKE's
    /// `gke-l7-rilb` class) with an address of the VPC; it needs the
    /// region's proxy-only subnet (see `gcp.proxySubnet`). `external`: a
    /// global external application load balancer
    /// (`gke-l7-global-external-managed`) with an Internet address.
    #[schemars(extend("examples" = ["internal"]))]
    pub gateway: GatewayKind,
    /// The workload's port the route sends to, by name or number (TCP).
    /// Default: the `health` port, else the only port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("examples" = ["http"]))]
    pub port: Option<PortRef>,
    /// Path prefixes routed to the workload (Gateway API `PathPrefix`
    /// matches: `/v1` takes `/v1` and `/v1/chat`, not `/v10`). Default: `/`,
    /// every path. Two workloads on one Gateway may not share a host and a path.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("examples" = [["/v1"]]))]
    pub paths: Vec<String>,
    /// Host names the route answers (the HTTP `Host` header; `*.example.com`
    /// for every name under example.com, not example.com itself). Default:
    /// every host.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("examples" = [["llm.example.com"]]))]
    pub hosts: Vec<String>,
    /// GKE Inference Gateway's model-aware routing: the HTTPRoute sends to
    /// an InferencePool `<workload>` (`inference.networking.k8s.io/v1`) of
    /// the workload's serving pods (a group's leaders) on the routed port,
    /// and an endpoint picker `<workload>-epp` (Deployment, Service,
    /// ServiceAccount, Role) picks the pod for each request from the model
    /// servers' metrics (queue length, KV-cache use, read from `/metrics` on
    /// the routed port, as vLLM serves them). Internal Gateways only.
    /// Default: false, the Gateway balances over the Service's pods.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    #[schemars(extend("examples" = [true]))]
    pub inference_pool: bool,
    /// HTTPS: the Gateway terminates TLS on port 443 with this certificate,
    /// and port 80 answers every request with a redirect (301) to HTTPS.
    /// The Gateway's listeners are shared: every route through one Gateway
    /// gives the same `tls`, or none does. Default: plain HTTP on port 80.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("examples" = [{"secret": "llm-tls"}]))]
    pub tls: Option<Tls>,
}

/// The certificate a Gateway presents: exactly one field. podwire creates
/// none of them; each must exist before the Gateway can serve HTTPS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Tls {
    /// A Kubernetes Secret of type `kubernetes.io/tls` (keys `tls.crt` and
    /// `tls.key`) in the workload namespace; `podwire apply` reports it
    /// when the cluster lacks it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("examples" = ["llm-tls"]))]
    pub secret: Option<String>,
    /// A regional Certificate Manager certificate in the cluster's region
    /// (internal Gateway only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("examples" = ["llm-cert"]))]
    pub certificate: Option<String>,
    /// A Certificate Manager certificate map (external Gateway only: maps
    /// are global).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("examples" = ["llm-map"]))]
    pub certificate_map: Option<String>,
    /// Compute Engine SSL certificates of the project (`gcloud compute
    /// ssl-certificates`): global ones for the external Gateway, of the
    /// cluster's region for the internal one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("examples" = [["llm-cert"]]))]
    pub pre_shared_certs: Vec<String>,
}

/// Which GKE Gateway a route goes through.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema, Default,
)]
#[serde(rename_all = "lowercase")]
pub enum GatewayKind {
    /// Regional internal application load balancer (`gke-l7-rilb`).
    #[default]
    Internal,
    /// Global external application load balancer (`gke-l7-global-external-managed`).
    External,
}

impl GatewayKind {
    pub const ALL: [GatewayKind; 2] = [GatewayKind::Internal, GatewayKind::External];

    pub fn as_str(self) -> &'static str {
        match self {
            GatewayKind::Internal => "internal",
            GatewayKind::External => "external",
        }
    }
}

/// A long-running workload's HTTP health endpoint. The startup probe gives
/// the server `startupTimeout` to come up (a model server loads for
/// minutes); then readiness (is the pod in the Services and load balancers)
/// and liveness (is it restarted) ask the same endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Health {
    /// HTTP path that answers 2xx or 3xx once the server serves (vLLM, TGI: `/health`; Triton: `/v2/health/ready`).
    #[schemars(extend("examples" = ["/health"]))]
    pub path: String,
    /// The workload's port, by name or number (TCP). Default: its only port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("examples" = ["http"]))]
    pub port: Option<PortRef>,
    /// How long the server may take to start before it is restarted: `90s`, `20m`, `1h30m`. Default: 30m, for a model server that downloads and loads weights.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<Scalar>", extend("default" = "30m", "examples" = ["20m"]))]
    pub startup_timeout: Option<String>,
}

/// Pod autoscaling: an autoscaling/v2 HorizontalPodAutoscaler on the
/// workload's Deployment or StatefulSet, on exactly one of `cpu` and
/// `metric`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Autoscale {
    /// Fewest pods (at least 1), and the count the workload starts with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 100000), extend("default" = 1, "examples" = [1]))]
    pub min: Option<u32>,
    /// Most pods; the pool should be able to hold them.
    #[schemars(range(min = 1, max = 100000), extend("examples" = [4]))]
    pub max: u32,
    /// Target average CPU use, in percent of `resources.cpu` (which it needs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 1000), extend("examples" = [70]))]
    pub cpu: Option<u32>,
    /// Target of a metric the pods serve in the Prometheus format, scraped by Google Cloud Managed Service for Prometheus and read through the Custom Metrics Stackdriver Adapter (which must be installed in the cluster).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("examples" = [{"name": "vllm:num_requests_waiting", "target": 10}]))]
    pub metric: Option<Metric>,
}

/// A per-pod Prometheus gauge to autoscale on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Metric {
    /// Prometheus metric name of a gauge: vLLM `vllm:num_requests_waiting`, TGI `tgi_queue_size`, JetStream `jetstream_prefill_backlog_size`.
    #[schemars(extend("examples" = ["vllm:num_requests_waiting"]))]
    pub name: String,
    /// Average value per pod to keep the metric at (a Kubernetes quantity).
    #[schemars(with = "Quantity", extend("examples" = [10]))]
    pub target: String,
    /// Port serving the metrics, by name or number. Default: the `health` port, else the only port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("examples" = ["http"]))]
    pub port: Option<PortRef>,
    /// HTTP path of the metrics.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "/metrics", "examples" = ["/metrics"]))]
    pub path: Option<String>,
}

/// A PodDisruptionBudget over the workload's pods: exactly one of
/// `maxUnavailable` and `minAvailable`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Disruption {
    /// Pods that may be evicted at once: a count or a percentage (`25%`, rounded up).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("examples" = [1]))]
    pub max_unavailable: Option<Budget>,
    /// Pods that must stay available: a count or a percentage (`50%`, rounded up).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("examples" = [2]))]
    pub min_available: Option<Budget>,
}

/// A number of pods, or a percentage of them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Budget {
    Count(#[schemars(range(min = 0, max = 100000))] u32),
    Percent(#[schemars(regex(pattern = r"^[0-9]{1,3}%$"))] String),
}
