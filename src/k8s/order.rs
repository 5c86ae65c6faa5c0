//! The apply order of the generated objects and the manifests file's layout.

use super::objects::{labels, Lower, Object};
use super::policies::{default_deny, FlowIndex};
use super::{autoscale, disruption, pods, services};
use crate::model::Model;
use crate::yaml::Emitter;
use k8s_openapi::api::core::v1::ServiceAccount;

/// Between two documents of `k8s/manifests.yaml`.
pub const SEPARATOR: &str = "---\n";

/// All objects, in the order they should be applied: the namespace, the
/// ServiceAccounts, the NetworkPolicies (before any pod can start
/// unrestricted; only when the spec declares connections), the Services,
/// the PodDisruptionBudgets (in force before the first pod exists), the
/// workloads, then per autoscaled workload its PodMonitoring and its
/// HorizontalPodAutoscaler (after its target exists, so that a first apply
/// does not start with the autoscaler failing to find it).
pub fn objects(m: &Model) -> Vec<Object> {
    let lw = Lower::new(m);
    let mut out = vec![lw.namespace()];
    for w in &m.workloads {
        let mut meta = lw.wl_meta(&w.name, w);
        if let Some(gsa) = &w.gcp_service_account {
            meta.annotations = Some(labels(&[("iam.gke.io/gcp-service-account", gsa)]));
        }
        out.push(Object::ServiceAccount(ServiceAccount {
            metadata: meta,
            automount_service_account_token: Some(false),
            ..Default::default()
        }));
    }
    if !m.flows.is_empty() {
        out.push(default_deny(&lw));
        let flows = FlowIndex::new(m);
        out.extend((0..m.workloads.len()).map(|i| flows.policy(&lw, i)));
    }
    for w in &m.workloads {
        services::services(&lw, w, &mut |o| out.push(o));
    }
    out.extend(
        m.workloads
            .iter()
            .filter_map(|w| disruption::budget(&lw, w)),
    );
    out.extend(m.workloads.iter().map(|w| pods::workload(&lw, w)));
    for w in &m.workloads {
        autoscale::objects(&lw, w, &mut |o| out.push(o));
    }
    out
}

/// The manifests file: each object's YAML document, [`SEPARATOR`] between
/// them.
pub fn manifests_yaml(objects: &[Object]) -> Result<String, crate::yaml::Error> {
    let mut e = Emitter::with_capacity(1024 * objects.len().max(1));
    for (i, o) in objects.iter().enumerate() {
        if i > 0 {
            e.raw(SEPARATOR);
        }
        o.write_yaml(&mut e)?;
    }
    Ok(e.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLES: &[&str] = &[
        include_str!("../../examples/seed.yaml"),
        include_str!("../../examples/pytorch-a3.yaml"),
        include_str!("../../examples/serving-l4-spot.yaml"),
        include_str!("../../examples/tpu-v5e-jax.yaml"),
        include_str!("../../examples/mixed-stack.yaml"),
        include_str!("../../examples/llama-l4-serving.yaml"),
    ];

    fn model(src: &str) -> Model {
        crate::analyze(src)
            .model
            .unwrap_or_else(|| panic!("example compiles"))
    }

    /// Each object's YAML, read back by an independent reader
    /// (serde_yaml_ng), is the object's JSON as serde_json writes it:
    /// same fields, same types (a quoted "8" stays a string), same values.
    #[test]
    fn objects_read_back_as_their_json() {
        for src in EXAMPLES {
            for o in objects(&model(src)) {
                let text = o.to_yaml().unwrap_or_else(|e| panic!("{e}"));
                let back: serde_json::Value =
                    serde_yaml_ng::from_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
                assert_eq!(back, o.to_json(), "{}\n{text}", o.name());
            }
        }
    }

    #[test]
    fn apply_order_is_namespace_accounts_policies_services_budgets_workloads_autoscalers() {
        let rank = |k: &str| match k {
            "Namespace" => 0,
            "ServiceAccount" => 1,
            "NetworkPolicy" => 2,
            "Service" => 3,
            "PodDisruptionBudget" => 4,
            // Each autoscaled workload's pair, its PodMonitoring first.
            "PodMonitoring" | "HorizontalPodAutoscaler" => 6,
            _ => 5,
        };
        for (src, want) in [
            (
                include_str!("../../examples/mixed-stack.yaml"),
                &[
                    "ServiceAccount",
                    "NetworkPolicy",
                    "Service",
                    "PodDisruptionBudget",
                    "Deployment",
                ][..],
            ),
            (
                include_str!("../../examples/llama-l4-serving.yaml"),
                &[
                    "PodDisruptionBudget",
                    "Deployment",
                    "PodMonitoring",
                    "HorizontalPodAutoscaler",
                ][..],
            ),
        ] {
            let kinds: Vec<&str> = objects(&model(src))
                .iter()
                .map(|o| o.type_info().1)
                .collect();
            assert_eq!(kinds[0], "Namespace");
            assert!(
                kinds.windows(2).all(|w| rank(w[0]) <= rank(w[1])),
                "{kinds:?}"
            );
            for k in want {
                assert!(kinds.contains(k), "{k} in {kinds:?}");
            }
            let pm = kinds.iter().position(|k| *k == "PodMonitoring");
            let hpa = kinds.iter().position(|k| *k == "HorizontalPodAutoscaler");
            assert!(pm <= hpa, "{kinds:?}");
        }
    }
}
