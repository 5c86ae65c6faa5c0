//! A workload's PodDisruptionBudget (policy/v1): how many of its pods
//! voluntary evictions (node drains, upgrades, autoscaler scale-down) may
//! take at once.

use super::objects::{s, Lower, Object};
use crate::model::{Amount, Disruption, Workload};
use k8s_openapi::api::policy::v1::{PodDisruptionBudget, PodDisruptionBudgetSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

fn int_or_percent(a: Amount) -> IntOrString {
    match a {
        Amount::Count(n) => IntOrString::Int(i32::try_from(n).unwrap_or(i32::MAX)),
        Amount::Percent(p) => IntOrString::String(format!("{p}%")),
    }
}

/// Workload `w`'s budget, if it has one. It selects exactly the workload's
/// pods (the label its controller's selector uses). Pods that are running
/// but not ready may always be evicted (`AlwaysAllow`): a server still
/// loading its model, or wedged, serves nothing, and under the default
/// policy it would hold up every drain while the budget is spent.
pub(super) fn budget(lw: &Lower, w: &Workload) -> Option<Object> {
    let rule = w.disruption?;
    let (max_unavailable, min_available) = match rule {
        Disruption::MaxUnavailable(a) => (Some(int_or_percent(a)), None),
        Disruption::MinAvailable(a) => (None, Some(int_or_percent(a))),
    };
    Some(Object::PodDisruptionBudget(PodDisruptionBudget {
        metadata: lw.wl_meta(&w.name, w),
        spec: Some(PodDisruptionBudgetSpec {
            max_unavailable,
            min_available,
            selector: Some(LabelSelector {
                match_labels: Some(Lower::selector(w)),
                ..Default::default()
            }),
            unhealthy_pod_eviction_policy: Some(s("AlwaysAllow")),
        }),
        ..Default::default()
    }))
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    fn budgets(extra: &str) -> Vec<Value> {
        let src = format!(
            "apiVersion: podwire.dev/v1alpha1\nkind: AIWorkload\nmetadata: {{name: t}}\n\
             gcp: {{project: my-project, location: us-central1-a}}\n\
             cluster:\n  nodePools:\n    - {{name: p, machineType: n2-standard-8, nodes: 2}}\n\
             workloads:\n  - {{name: web, image: r/w:1, run: service, ports: [{{name: http, port: 80}}], {extra}}}\n\
             \x20 - {{name: other, image: r/o:1, run: service, replicas: 2, ports: [{{name: http, port: 80}}]}}\n"
        );
        let a = crate::analyze(&src);
        let Some(m) = a.model else {
            panic!("compiles: {:?}", a.diagnostics)
        };
        super::super::objects(&m)
            .iter()
            .map(|o| o.to_json())
            .filter(|o| o["kind"] == "PodDisruptionBudget" && o["metadata"]["name"] == "web")
            .collect()
    }

    #[test]
    fn budgets_select_their_workload_and_let_unready_pods_go() {
        for (extra, rule) in [
            ("replicas: 2", json!({"maxUnavailable": 1})),
            (
                "replicas: 4, disruption: {maxUnavailable: 25%}",
                json!({"maxUnavailable": "25%"}),
            ),
            (
                "replicas: 4, disruption: {minAvailable: 3}",
                json!({"minAvailable": 3}),
            ),
        ] {
            let pdbs = budgets(extra);
            assert_eq!(pdbs.len(), 1, "{extra}");
            let spec = &pdbs[0]["spec"];
            assert_eq!(pdbs[0]["apiVersion"], "policy/v1");
            assert_eq!(
                spec["selector"],
                json!({"matchLabels": {"podwire.dev/workload": "web"}})
            );
            assert_eq!(spec["unhealthyPodEvictionPolicy"], "AlwaysAllow");
            for (k, v) in rule.as_object().into_iter().flatten() {
                assert_eq!(&spec[k], v, "{extra}");
            }
            assert_eq!(
                spec.get("maxUnavailable").is_some(),
                spec.get("minAvailable").is_none(),
                "{extra}"
            );
        }
        assert!(budgets("replicas: 1").is_empty());
    }
}
