//! Pod autoscaling: an autoscaling/v2 HorizontalPodAutoscaler on the
//! workload's Deployment or StatefulSet and, for a metric, the
//! PodMonitoring that has Google Cloud Managed Service for Prometheus
//! scrape it.
//!
//! As Google documents it: the GKE guide "Configure autoscaling for LLM
//! workloads on GPUs" (cloud.google.com/kubernetes-engine/docs/how-to/
//! machine-learning/inference/autoscaling), Managed Service for
//! Prometheus' "Horizontal Pod autoscaling (HPA)" page and the GKE sample
//! "Custom metrics prometheus exporter HPA". Managed collection scrapes what
//! a PodMonitoring (`monitoring.googleapis.com/v1`, the CRD of
//! GoogleCloudPlatform/prometheus-engine) selects; the Custom Metrics
//! Stackdriver Adapter, v0.13.1 or later, installed in the cluster (not by
//! podwire) serves the scraped gauge `<name>` to the autoscaler as the Pods
//! metric `prometheus.googleapis.com|<name>|gauge`, with an `AverageValue`
//! target.

use super::objects::{s, Lower, Object};
use crate::model::{Kind, ScaleOn, ScrapedMetric, Workload};
use k8s_openapi::api::autoscaling::v2::{
    CrossVersionObjectReference, HorizontalPodAutoscaler, HorizontalPodAutoscalerSpec,
    MetricIdentifier, MetricSpec, MetricTarget, PodsMetricSource, ResourceMetricSource,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde::{Deserialize, Serialize};

/// How often the collector scrapes the metric: the autoscaler reads it
/// every 15 s (its default sync period), and Google's LLM autoscaling
/// guides scrape at this interval.
pub const SCRAPE_INTERVAL: &str = "15s";

/// The name under which the Custom Metrics Stackdriver Adapter serves a
/// Managed Service for Prometheus gauge to the autoscaler.
pub fn adapter_metric_name(prometheus_name: &str) -> String {
    format!("prometheus.googleapis.com|{prometheus_name}|gauge")
}

/// Managed Service for Prometheus' PodMonitoring (`monitoring.googleapis.com/v1`):
/// which pods the managed collectors scrape, and where. Only the fields
/// podwire sets; the CRD requires `spec.selector`, `spec.endpoints` and per
/// endpoint `port` and `interval`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PodMonitoring {
    pub api_version: String,
    pub kind: String,
    pub metadata: ObjectMeta,
    pub spec: PodMonitoringSpec,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PodMonitoringSpec {
    pub endpoints: Vec<ScrapeEndpoint>,
    pub selector: LabelSelector,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ScrapeEndpoint {
    /// A Prometheus duration.
    pub interval: String,
    /// Default `/metrics`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// A container port's name or number.
    pub port: IntOrString,
}

impl k8s_openapi::Resource for PodMonitoring {
    const API_VERSION: &'static str = "monitoring.googleapis.com/v1";
    const GROUP: &'static str = "monitoring.googleapis.com";
    const KIND: &'static str = "PodMonitoring";
    const VERSION: &'static str = "v1";
    const URL_PATH_SEGMENT: &'static str = "podmonitorings";
    type Scope = k8s_openapi::NamespaceResourceScope;
}

impl k8s_openapi::Metadata for PodMonitoring {
    type Ty = ObjectMeta;
    fn metadata(&self) -> &ObjectMeta {
        &self.metadata
    }
    fn metadata_mut(&mut self) -> &mut ObjectMeta {
        &mut self.metadata
    }
}

fn pod_monitoring(lw: &Lower, w: &Workload, m: &ScrapedMetric) -> Object {
    use k8s_openapi::Resource as _;
    Object::PodMonitoring(PodMonitoring {
        api_version: s(PodMonitoring::API_VERSION),
        kind: s(PodMonitoring::KIND),
        metadata: lw.wl_meta(&w.name, w),
        spec: PodMonitoringSpec {
            endpoints: vec![ScrapeEndpoint {
                interval: s(SCRAPE_INTERVAL),
                path: Some(m.path.clone()),
                port: IntOrString::String(m.port.clone()),
            }],
            // Only the serving pods export the server's metrics.
            selector: LabelSelector {
                match_labels: Some(Lower::serving_selector(w)),
                ..Default::default()
            },
        },
    })
}

/// The objects that autoscale workload `w`, if it autoscales: its
/// PodMonitoring (for a metric), then its HorizontalPodAutoscaler.
pub(super) fn objects(lw: &Lower, w: &Workload, out: &mut dyn FnMut(Object)) {
    let Some(a) = &w.autoscale else { return };
    let kind = match w.kind {
        Kind::Deployment => "Deployment",
        Kind::StatefulSet => "StatefulSet",
        // Its scale subresource counts groups; the autoscaler reads the
        // leaders (`status.hpaPodSelector`).
        Kind::LeaderWorkerSet => super::lws::KIND,
        // The checks refuse `autoscale` on a job.
        Kind::Job | Kind::JobSet => return,
    };
    let metric = match &a.target {
        ScaleOn::Cpu(percent) => MetricSpec {
            type_: s("Resource"),
            resource: Some(ResourceMetricSource {
                name: s("cpu"),
                target: MetricTarget {
                    type_: s("Utilization"),
                    average_utilization: Some(i32::try_from(*percent).unwrap_or(i32::MAX)),
                    ..Default::default()
                },
            }),
            ..Default::default()
        },
        ScaleOn::Metric(m) => {
            out(pod_monitoring(lw, w, m));
            MetricSpec {
                type_: s("Pods"),
                pods: Some(PodsMetricSource {
                    metric: MetricIdentifier {
                        name: adapter_metric_name(&m.name),
                        ..Default::default()
                    },
                    target: MetricTarget {
                        type_: s("AverageValue"),
                        average_value: Some(Quantity(m.target.clone())),
                        ..Default::default()
                    },
                }),
                ..Default::default()
            }
        }
    };
    out(Object::HorizontalPodAutoscaler(HorizontalPodAutoscaler {
        metadata: lw.wl_meta(&w.name, w),
        spec: HorizontalPodAutoscalerSpec {
            scale_target_ref: CrossVersionObjectReference {
                api_version: Some(s(if w.kind == Kind::LeaderWorkerSet {
                    super::lws::API_VERSION
                } else {
                    "apps/v1"
                })),
                kind: s(kind),
                name: w.name.clone(),
            },
            min_replicas: Some(i32::try_from(a.min).unwrap_or(i32::MAX)),
            max_replicas: i32::try_from(a.max).unwrap_or(i32::MAX),
            metrics: Some(vec![metric]),
            ..Default::default()
        },
        ..Default::default()
    }));
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    fn objects(workload: &str) -> Vec<Value> {
        let src = format!(
            "apiVersion: podwire.dev/v1alpha1\nkind: AIWorkload\nmetadata: {{name: t}}\n\
             gcp: {{project: my-project, location: us-central1-a}}\n\
             cluster:\n  nodePools:\n    - {{name: p, machineType: n2-standard-8, nodes: 2}}\n\
             workloads:\n  - {workload}\n"
        );
        let a = crate::analyze(&src);
        let Some(m) = a.model else {
            panic!("compiles: {:?}", a.diagnostics)
        };
        super::super::objects(&m)
            .iter()
            .map(|o| o.to_json())
            .collect()
    }

    fn find<'v>(all: &'v [Value], kind: &str) -> Option<&'v Value> {
        all.iter().find(|o| o["kind"] == kind)
    }

    #[test]
    fn cpu_autoscaling_targets_the_workload_which_leaves_its_count_alone() {
        for (peers, kind) in [(false, "Deployment"), (true, "StatefulSet")] {
            let all = objects(&format!(
                "{{name: web, image: r/w:1, run: service, peers: {peers}, ports: [{{name: http, port: 80}}], \
                 resources: {{cpu: '1'}}, autoscale: {{min: 2, max: 5, cpu: 60}}}}"
            ));
            let hpa = find(&all, "HorizontalPodAutoscaler").unwrap_or_else(|| panic!("an HPA"));
            assert_eq!(hpa["apiVersion"], "autoscaling/v2");
            assert_eq!(
                hpa["spec"]["scaleTargetRef"],
                serde_json::json!({"apiVersion": "apps/v1", "kind": kind, "name": "web"})
            );
            assert_eq!(hpa["spec"]["minReplicas"], 2);
            assert_eq!(hpa["spec"]["maxReplicas"], 5);
            assert_eq!(
                hpa["spec"]["metrics"],
                serde_json::json!([{"type": "Resource", "resource": {"name": "cpu",
                    "target": {"type": "Utilization", "averageUtilization": 60}}}])
            );
            let w = find(&all, kind).unwrap_or_else(|| panic!("a {kind}"));
            assert!(w["spec"].get("replicas").is_none(), "{w}");
            assert!(find(&all, "PodMonitoring").is_none());
        }
        // Without autoscale the workload keeps its count.
        let all = objects(
            "{name: web, image: r/w:1, run: service, replicas: 3, ports: [{name: http, port: 80}]}",
        );
        assert_eq!(
            find(&all, "Deployment").map(|d| d["spec"]["replicas"].clone()),
            Some(3.into())
        );
        assert!(find(&all, "HorizontalPodAutoscaler").is_none());
    }

    /// The PodMonitoring has what the CRD requires (`spec.selector`,
    /// 1..=10 `spec.endpoints`, each with `port` and a Prometheus duration
    /// `interval`) and reads back into the typed struct, which refuses
    /// unknown fields.
    #[test]
    fn the_pod_monitoring_has_what_its_crd_requires() {
        let all = objects(
            "{name: srv, image: r/s:1, run: service, ports: [{name: http, port: 8000}, {name: prom, port: 9090}], \
             autoscale: {max: 3, metric: {name: 'tgi_queue_size', target: 4, port: prom, path: /m}}}",
        );
        let pm = find(&all, "PodMonitoring").unwrap_or_else(|| panic!("a PodMonitoring"));
        assert_eq!(pm["apiVersion"], "monitoring.googleapis.com/v1");
        assert_eq!(
            pm["spec"]["selector"]["matchLabels"]["podwire.dev/workload"],
            "srv"
        );
        let eps = pm["spec"]["endpoints"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert_eq!(eps.len(), 1);
        assert_eq!(
            eps[0],
            serde_json::json!({"interval": "15s", "path": "/m", "port": "prom"})
        );
        let back: super::PodMonitoring =
            serde_json::from_value(pm.clone()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back.metadata.name.as_deref(), Some("srv"));
        let mut extra = pm.clone();
        extra["spec"]["bogus"] = 1.into();
        assert!(serde_json::from_value::<super::PodMonitoring>(extra).is_err());
        let hpa = find(&all, "HorizontalPodAutoscaler").unwrap_or_else(|| panic!("an HPA"));
        assert_eq!(
            hpa["spec"]["metrics"],
            serde_json::json!([{"type": "Pods", "pods": {
                "metric": {"name": "prometheus.googleapis.com|tgi_queue_size|gauge"},
                "target": {"type": "AverageValue", "averageValue": "4"}}}])
        );
        // The metric comes before the autoscaler that reads it.
        let at = |k: &str| all.iter().position(|o| o["kind"] == k);
        assert!(at("PodMonitoring") < at("HorizontalPodAutoscaler"));
    }
}
