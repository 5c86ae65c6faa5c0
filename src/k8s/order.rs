//! The apply order of the generated objects and the manifests file's layout.

use super::objects::{labels, Lower, Object};
use super::policies::{default_deny, FlowIndex};
use super::{
    autoscale, disruption, gateway, gpu_networks, inference, kueue, nccl_installer, pods, services,
};
use crate::model::{GpuDirectMode, Model, Workload};
use crate::yaml::Emitter;
use k8s_openapi::api::core::v1::ServiceAccount;
use std::ops::Range;

/// Between two documents of `k8s/manifests.yaml`.
pub const SEPARATOR: &str = "---\n";

/// All objects, in the order they should be applied: the namespace, the
/// Kueue objects (flavors, admission checks, cluster and local queues,
/// priority classes: all before the jobs they admit), per GPUDirect pool
/// its GKENetworkParamSets then its Networks (which name them) and per
/// GPUDirect mode its NCCL plugin installer (before the pods that need the
/// networks and the plugin), the ServiceAccounts, the NetworkPolicies (before any pod can start
/// unrestricted; only when the spec declares connections), the Services,
/// the Gateways, then the InferencePools, the HTTPS Gateways' port-80
/// redirects and each routed workload's HTTPRoute (it names its
/// Gateway and Service) and HealthCheckPolicy (it names the Service),
/// the PodDisruptionBudgets (in force before the first pod exists), the
/// workloads, then per autoscaled workload its PodMonitoring and its
/// HorizontalPodAutoscaler (after its target exists, so that a first apply
/// does not start with the autoscaler failing to find it).
pub fn objects(m: &Model) -> Vec<Object> {
    objects_keeping(m, &mut MakeAll)
}

/// A group of one workload's objects that are made from nothing but that
/// workload and the model's context (everything but the other workloads),
/// so that a preview's memo may keep them for a workload that did not
/// change in a context that did not (memo.rs); the policies also from the
/// workloads it has a connection with, which must not have changed either.
/// The objects that read other workloads otherwise are made every time:
/// the namespace (its pod security labels), Kueue's objects (the priority
/// classes in use), GPUDirect's objects, the endpoint pickers' policies,
/// the Gateways, their redirects and the HTTPRoutes (a Gateway's TLS is its
/// routes').
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Group {
    /// The ServiceAccount, and the endpoint picker's.
    Accounts,
    /// The NetworkPolicies of the workload's pods (a LeaderWorkerSet's:
    /// also its leaders' and its groups'): their peers are the pods of the
    /// workloads it has connections with.
    Policies,
    /// The Services, and the endpoint picker's.
    Services,
    InferencePool,
    DisruptionBudget,
    /// The Deployment, StatefulSet, Job, JobSet or LeaderWorkerSet.
    Workload,
    EndpointPicker,
    /// The PodMonitoring and HorizontalPodAutoscaler.
    Autoscaling,
}

impl Group {
    pub(super) const COUNT: usize = 8;
}

/// Where a workload's [`Group`] of objects comes from.
pub(super) trait Kept {
    /// Push workload `index`'s objects of `group` kept from the previous
    /// compile, when they are what it would make now; false: make them.
    fn reuse(&mut self, index: usize, group: Group, out: &mut Vec<Object>) -> bool;
    /// `out[range]` are workload `index`'s objects of `group` (made or kept).
    fn placed(&mut self, index: usize, group: Group, range: Range<usize>);
}

/// A compile that keeps nothing: every object is made.
struct MakeAll;

impl Kept for MakeAll {
    fn reuse(&mut self, _: usize, _: Group, _: &mut Vec<Object>) -> bool {
        false
    }
    fn placed(&mut self, _: usize, _: Group, _: Range<usize>) {}
}

/// [`objects`], taking each workload's [`Group`]s from `kept` where it has them.
pub(super) fn objects_keeping(m: &Model, kept: &mut dyn Kept) -> Vec<Object> {
    let lw = Lower::new(m);
    // Room for a workload's objects up front (its ServiceAccount, policy,
    // Services, budget, workload, autoscaler): an `Object` is large, and
    // each time the vector grows it copies all of them.
    let mut out = Vec::with_capacity(16 + 8 * m.workloads.len());
    let mut each =
        |out: &mut Vec<Object>, group: Group, make: &dyn Fn(usize, &Workload, &mut Vec<Object>)| {
            for (i, w) in m.workloads.iter().enumerate() {
                let start = out.len();
                if !kept.reuse(i, group, out) {
                    make(i, w, out);
                }
                kept.placed(i, group, start..out.len());
            }
        };
    out.push(lw.namespace());
    out.extend(kueue::objects(&lw).into_iter().map(Object::Kueue));
    gpu_direct_objects(&lw, &mut out);
    each(&mut out, Group::Accounts, &|_, w, out| {
        let mut meta = lw.wl_meta(&w.name, w);
        if let Some(gsa) = &w.gcp_service_account {
            meta.annotations = Some(labels(&[("iam.gke.io/gcp-service-account", gsa)]));
        }
        out.push(Object::ServiceAccount(ServiceAccount {
            metadata: meta,
            automount_service_account_token: Some(false),
            ..Default::default()
        }));
        inference::accounts(&lw, w, &mut |o| out.push(o));
    });
    if !m.flows.is_empty() {
        out.push(default_deny(&lw));
        let flows = FlowIndex::new(m);
        each(&mut out, Group::Policies, &|i, _, out| {
            flows.policies(&lw, i, &mut |o| out.push(o));
        });
        for w in &m.workloads {
            super::policies::epp_policy(&lw, w, &mut |o| out.push(o));
        }
    }
    each(&mut out, Group::Services, &|_, w, out| {
        services::services(&lw, w, &mut |o| out.push(o));
        inference::service(&lw, w, &mut |o| out.push(o));
    });
    gateway::gateways(&lw, &mut |o| out.push(o));
    each(&mut out, Group::InferencePool, &|_, w, out| {
        inference::pool(&lw, w, &mut |o| out.push(o));
    });
    gateway::redirects(&lw, &mut |o| out.push(o));
    for w in &m.workloads {
        gateway::route(&lw, w, &mut |o| out.push(o));
    }
    each(&mut out, Group::DisruptionBudget, &|_, w, out| {
        out.extend(disruption::budget(&lw, w));
    });
    each(&mut out, Group::Workload, &|_, w, out| {
        out.push(pods::workload(&lw, w));
    });
    each(&mut out, Group::EndpointPicker, &|_, w, out| {
        inference::deployment(&lw, w, &mut |o| out.push(o));
    });
    each(&mut out, Group::Autoscaling, &|_, w, out| {
        autoscale::objects(&lw, w, &mut |o| out.push(o));
    });
    out
}

/// The multi-networking objects of every GPUDirect pool (param sets first:
/// a Network names its param set) and one NCCL plugin installer per mode
/// in use, pinned to that mode's pools.
fn gpu_direct_objects(lw: &Lower, out: &mut Vec<Object>) {
    let mut sets = Vec::new();
    let mut nets = Vec::new();
    for p in &lw.m.pools {
        for (mut ps, mut n) in gpu_networks::objects(p) {
            ps.metadata.labels = Some(lw.common());
            n.metadata.labels = Some(lw.common());
            sets.push(Object::GkeNetworkParamSet(ps));
            nets.push(Object::Network(n));
        }
    }
    out.extend(sets);
    out.extend(nets);
    for mode in [
        GpuDirectMode::Tcpx,
        GpuDirectMode::Tcpxo,
        GpuDirectMode::Rdma,
    ] {
        let pools: Vec<_> = lw.m.pools.iter().filter(|p| p.gpu_direct == mode).collect();
        if let Some(ds) = nccl_installer::installer(lw, mode, &pools) {
            out.push(Object::DaemonSet(Box::new(ds)));
        }
    }
}

/// A kind's place in the apply order, for the kinds whose place matters:
/// what is referred to comes before what refers to it. The Namespace first
/// (everything else lives in it); Kueue's objects in the order they name
/// each other (a ClusterQueue names ResourceFlavors and AdmissionChecks, an
/// AdmissionCheck its ProvisioningRequestConfig, a LocalQueue its
/// ClusterQueue), then the priority classes; GKE's GKENetworkParamSets,
/// then the Networks that name them, then DaemonSets (the NCCL plugin
/// installers, before the pods that use the plugin); ServiceAccounts,
/// NetworkPolicies (before any pod can start unrestricted) and Services;
/// Gateways, then the HTTPRoutes and HealthCheckPolicies that name them or
/// the Services;
/// the workloads last, so that a queued job
/// finds its queue and a pod its ServiceAccount. `None`: anywhere.
/// [`objects`] keeps to it (tested on every example); the submitter applies
/// in exactly the order of [`objects`].
pub fn apply_rank(api_version: &str, kind: &str) -> Option<u8> {
    let group = api_version.split_once('/').map_or("", |(g, _)| g);
    Some(match (group, kind) {
        ("", "Namespace") => 0,
        ("kueue.x-k8s.io", "ResourceFlavor") => 1,
        ("kueue.x-k8s.io", "ProvisioningRequestConfig") => 2,
        ("kueue.x-k8s.io", "AdmissionCheck") => 3,
        ("kueue.x-k8s.io", "ClusterQueue") => 4,
        ("kueue.x-k8s.io", "LocalQueue") => 5,
        ("kueue.x-k8s.io", "WorkloadPriorityClass") => 6,
        ("networking.gke.io", "GKENetworkParamSet") => 7,
        ("networking.gke.io", "Network") => 8,
        ("apps", "DaemonSet") => 9,
        ("", "ServiceAccount") => 10,
        ("rbac.authorization.k8s.io", "Role") => 10,
        ("rbac.authorization.k8s.io", "RoleBinding") => 11,
        ("networking.k8s.io", "NetworkPolicy") => 12,
        ("", "Service") => 13,
        ("gateway.networking.k8s.io", "Gateway") => 14,
        ("inference.networking.k8s.io", "InferencePool") => 15,
        ("gateway.networking.k8s.io", "HTTPRoute") | ("networking.gke.io", "HealthCheckPolicy") => {
            16
        }
        ("batch", "Job")
        | ("apps", "Deployment")
        | ("apps", "StatefulSet")
        | ("jobset.x-k8s.io", "JobSet")
        | ("leaderworkerset.x-k8s.io", "LeaderWorkerSet") => 20,
        _ => return None,
    })
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
        include_str!("../../examples/flex-h100-kueue.yaml"),
        include_str!("../../examples/llama-l4-serving.yaml"),
        include_str!("../../examples/a3-mega-tcpxo.yaml"),
        include_str!("../../examples/a4-rdma-train.yaml"),
        include_str!("../../examples/llama-405b-multihost.yaml"),
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
            "ServiceAccount" | "Role" | "RoleBinding" => 1,
            "NetworkPolicy" => 2,
            // A routed workload's Gateway objects come after the Services.
            "Service" => 3,
            "Gateway" | "InferencePool" | "HTTPRoute" | "HealthCheckPolicy" => 3,
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
                    "Gateway",
                    "InferencePool",
                    "HTTPRoute",
                    "HealthCheckPolicy",
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

    #[test]
    fn kueue_objects_rank_in_reference_order_before_the_workloads() {
        let order = [
            ("v1", "Namespace"),
            ("kueue.x-k8s.io/v1beta2", "ResourceFlavor"),
            ("kueue.x-k8s.io/v1beta2", "ProvisioningRequestConfig"),
            ("kueue.x-k8s.io/v1beta2", "AdmissionCheck"),
            ("kueue.x-k8s.io/v1beta2", "ClusterQueue"),
            ("kueue.x-k8s.io/v1beta2", "LocalQueue"),
            ("kueue.x-k8s.io/v1beta2", "WorkloadPriorityClass"),
            ("v1", "ServiceAccount"),
            ("batch/v1", "Job"),
        ];
        let ranks: Vec<u8> = order
            .iter()
            .map(|(av, k)| apply_rank(av, k).unwrap_or_else(|| panic!("{k} ranked")))
            .collect();
        assert!(ranks.windows(2).all(|w| w[0] < w[1]), "{ranks:?}");
        for (av, k) in [
            ("jobset.x-k8s.io/v1alpha2", "JobSet"),
            ("leaderworkerset.x-k8s.io/v1", "LeaderWorkerSet"),
            ("apps/v1", "Deployment"),
        ] {
            assert_eq!(apply_rank(av, k), apply_rank("batch/v1", "Job"), "{k}");
        }
        // A kind of the same name in another group is not Kueue's.
        assert_eq!(apply_rank("example.com/v1", "ClusterQueue"), None);
    }

    /// Every example's objects (the examples directory as it is, so new
    /// examples are held to it too) keep to [`apply_rank`].
    #[test]
    fn every_example_keeps_to_the_apply_ranks() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
        let mut checked = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().and_then(|e| e.to_str()) != Some("yaml") {
                continue;
            }
            let src = std::fs::read_to_string(&path).unwrap();
            let Some(m) = crate::analyze(&src).model else {
                continue;
            };
            let mut last = (0u8, String::new());
            for o in objects(&m) {
                let j = o.to_json();
                let (av, kind) = (
                    j["apiVersion"].as_str().unwrap_or_default(),
                    j["kind"].as_str().unwrap_or_default(),
                );
                if let Some(r) = apply_rank(av, kind) {
                    assert!(
                        r >= last.0,
                        "{}: {kind} {} after {}",
                        path.display(),
                        o.name(),
                        last.1
                    );
                    last = (r, format!("{kind} {}", o.name()));
                }
            }
            checked += 1;
        }
        assert!(checked >= 5, "{checked} examples");
    }

    #[test]
    fn kueue_objects_come_after_the_namespace_each_before_what_refers_to_it() {
        let m = model(include_str!("../../examples/flex-h100-kueue.yaml"));
        let kinds: Vec<&str> = objects(&m).iter().map(|o| o.type_info().1).collect();
        assert_eq!(
            kinds,
            [
                "Namespace",
                "ResourceFlavor",
                "ClusterQueue",
                "LocalQueue",
                "WorkloadPriorityClass",
                "ServiceAccount",
                "Service",
                "Job"
            ]
        );
        // With queued provisioning: the config, then its check, then the queue.
        let mut m = m;
        m.pools[0].capacity = crate::model::Capacity::Queued;
        let kinds: Vec<&str> = objects(&m).iter().map(|o| o.type_info().1).collect();
        assert_eq!(
            kinds[..5],
            [
                "Namespace",
                "ResourceFlavor",
                "ProvisioningRequestConfig",
                "AdmissionCheck",
                "ClusterQueue"
            ]
        );
        // Cluster-scoped objects have no namespace and carry the spec's name.
        for o in objects(&m) {
            let (_, kind, _) = o.type_info();
            let scoped = matches!(kind, "LocalQueue" | "ServiceAccount" | "Service" | "Job");
            assert_eq!(o.namespace().is_some(), scoped, "{kind}");
            if !scoped && kind != "Namespace" {
                assert!(o.name().starts_with("flex-train-"), "{kind} {}", o.name());
            }
        }
    }
}
