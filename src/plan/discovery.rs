//! Which REST resource holds each object, from the API server's own
//! discovery documents, as kubectl finds it: `/apis` (the `APIGroupList`:
//! which groups and versions the cluster serves), then one
//! `APIResourceList` per group version the objects use (`/api/v1`,
//! `/apis/<group>/<version>`: each kind's plural and whether it is
//! namespaced). Nothing here has a table of kinds: a custom resource is
//! found like a Deployment, and a kind the cluster does not serve (its CRD is
//! not installed) is known before anything is applied, with the command
//! that installs it where podwire knows the project.
//!
//! [`Discovery`] holds what one run has read (the submitter fetches each
//! document at most once); the decisions are functions of it.

use super::kube::Manifest;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{APIGroupList, APIResourceList};
use kube_core::discovery::{ApiResource, Scope};
use std::collections::BTreeMap;

/// Where the API server lists its groups.
pub const GROUPS_PATH: &str = "/apis";

/// `("", "v1")` for `v1`, `("apps", "v1")` for `apps/v1`.
pub fn split_api_version(api_version: &str) -> (&str, &str) {
    match api_version.split_once('/') {
        Some((g, v)) => (g, v),
        None => ("", api_version),
    }
}

/// Where a group version's `APIResourceList` is served.
pub fn resources_path(api_version: &str) -> String {
    match split_api_version(api_version) {
        ("", v) => format!("/api/{v}"),
        (g, v) => format!("/apis/{g}/{v}"),
    }
}

/// A group the cluster serves: its versions and the preferred one.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Group {
    versions: Vec<String>,
    preferred: Option<String>,
}

/// What one run has learned from discovery.
#[derive(Debug, Clone, Default)]
pub struct Discovery {
    /// From `/apis`, once read.
    groups: Option<BTreeMap<String, Group>>,
    /// By apiVersion: the resource list, or `None` when the API server said
    /// the group version is not served.
    lists: BTreeMap<String, Option<APIResourceList>>,
}

/// A kind's REST resource: kube-core's `ApiResource` (group, version,
/// plural) and its scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    pub api: ApiResource,
    pub scope: Scope,
}

/// What discovery says about one kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    Served(Resource),
    /// Not served; `versions` are the versions of its group the cluster
    /// does serve (empty: the group is absent, its CRDs not installed).
    NotServed {
        versions: Vec<String>,
    },
    /// Discovery for it has not been read yet.
    Unknown,
}

impl Discovery {
    pub fn new() -> Discovery {
        Discovery::default()
    }

    /// Whether `/apis` must be read before the resource lists of these
    /// group versions can be asked for.
    pub fn needs_groups<'a>(&self, api_versions: impl IntoIterator<Item = &'a str>) -> bool {
        self.groups.is_none()
            && api_versions
                .into_iter()
                .any(|av| !split_api_version(av).0.is_empty() && !self.lists.contains_key(av))
    }

    /// Whether `/apis` has been read.
    pub fn has_groups(&self) -> bool {
        self.groups.is_some()
    }

    pub fn set_groups(&mut self, list: &APIGroupList) {
        let groups = list
            .groups
            .iter()
            .map(|g| {
                (
                    g.name.clone(),
                    Group {
                        versions: g.versions.iter().map(|v| v.version.clone()).collect(),
                        preferred: g.preferred_version.as_ref().map(|p| p.version.clone()),
                    },
                )
            })
            .collect();
        self.groups = Some(groups);
    }

    /// The group versions (of these) whose resource lists are still to be
    /// read: the core `v1`, and those the group list says are served. A
    /// group version the group list lacks is recorded as not served.
    pub fn to_fetch<'a>(&mut self, api_versions: impl IntoIterator<Item = &'a str>) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for av in api_versions {
            if self.lists.contains_key(av) || out.iter().any(|o| o == av) {
                continue;
            }
            let (group, version) = split_api_version(av);
            if group.is_empty() {
                out.push(av.to_string());
                continue;
            }
            let Some(groups) = &self.groups else {
                continue;
            };
            if groups
                .get(group)
                .is_some_and(|g| g.versions.iter().any(|v| v == version))
            {
                out.push(av.to_string());
            } else {
                self.lists.insert(av.to_string(), None);
            }
        }
        out
    }

    /// Record a group version's resource list (`None`: the API server said
    /// it does not serve it).
    pub fn set_resources(&mut self, api_version: &str, list: Option<APIResourceList>) {
        self.lists.insert(api_version.to_string(), list);
    }

    /// The version of `group` to use when podwire reads objects it did not
    /// write (Kueue's Workloads): the preferred one, else the first.
    pub fn preferred_version(&self, group: &str) -> Option<&str> {
        let g = self.groups.as_ref()?.get(group)?;
        g.preferred
            .as_deref()
            .or_else(|| g.versions.first().map(String::as_str))
    }

    fn served_versions(&self, group: &str) -> Vec<String> {
        self.groups
            .as_ref()
            .and_then(|gs| gs.get(group))
            .map(|g| g.versions.clone())
            .unwrap_or_default()
    }

    /// The resource of `kind` in `api_version`.
    pub fn resolve(&self, api_version: &str, kind: &str) -> Resolution {
        let (group, version) = split_api_version(api_version);
        match self.lists.get(api_version) {
            None => Resolution::Unknown,
            Some(None) => Resolution::NotServed {
                versions: self.served_versions(group),
            },
            Some(Some(list)) => list
                .resources
                .iter()
                // "jobs/status" and the like are subresources.
                .find(|r| r.kind == kind && !r.name.contains('/'))
                .map(|r| {
                    Resolution::Served(Resource {
                        api: ApiResource {
                            group: group.to_string(),
                            version: version.to_string(),
                            api_version: api_version.to_string(),
                            kind: kind.to_string(),
                            plural: r.name.clone(),
                        },
                        scope: if r.namespaced {
                            Scope::Namespaced
                        } else {
                            Scope::Cluster
                        },
                    })
                })
                .unwrap_or_else(|| Resolution::NotServed {
                    versions: self.served_versions(group),
                }),
        }
    }
}

/// The distinct apiVersions of `objects`, in order of first use.
pub fn api_versions(objects: &[Manifest]) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for m in objects {
        if !out.contains(&m.api_version.as_str()) {
            out.push(&m.api_version);
        }
    }
    out
}

/// A kind the objects need that the cluster does not serve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unserved {
    pub api_version: String,
    pub kind: String,
    /// The objects of that kind (`Kind ns/name`).
    pub objects: Vec<String>,
    /// The versions of its group the cluster serves (empty: none).
    pub served_versions: Vec<String>,
}

/// Every kind of `objects` that discovery says is not served, once each,
/// in the order the objects name them. Kinds whose discovery is not read
/// yet are not reported.
pub fn unserved(d: &Discovery, objects: &[Manifest]) -> Vec<Unserved> {
    let mut out: Vec<Unserved> = Vec::new();
    for m in objects {
        let Resolution::NotServed { versions } = d.resolve(&m.api_version, &m.kind) else {
            continue;
        };
        match out
            .iter_mut()
            .find(|u| u.api_version == m.api_version && u.kind == m.kind)
        {
            Some(u) => u.objects.push(m.describe()),
            None => out.push(Unserved {
                api_version: m.api_version.clone(),
                kind: m.kind.clone(),
                objects: vec![m.describe()],
                served_versions: versions,
            }),
        }
    }
    out
}

/// How to install a project whose custom resources podwire writes: the
/// release manifest its installation guide documents, pinned to the
/// release whose CRDs podwire's objects are checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InstallHint {
    pub project: &'static str,
    pub version: &'static str,
    /// Commands, in order, from the project's installation guide.
    pub commands: &'static [&'static str],
}

/// GKE's own API group of the multi-networking objects (Network,
/// GKENetworkParamSet): served by GKE, never installed by the user.
pub const GKE_NETWORKING_GROUP: &str = "networking.gke.io";

/// The install hint for an API group podwire knows, `None` for others.
///
/// Commands as each project's "Installation" page gives them
/// (kueue.sigs.k8s.io/docs/installation, jobset.sigs.k8s.io/docs/installation,
/// lws.sigs.k8s.io/docs/installation), at the releases of `shared/crds/`:
/// Kueue v0.19.2, JobSet v0.12.0, LeaderWorkerSet v0.10.0.
pub fn install_hint(group: &str) -> Option<InstallHint> {
    Some(match group {
        "kueue.x-k8s.io" => InstallHint {
            project: "Kueue",
            version: "v0.19.2",
            commands: &[
                "kubectl apply --server-side -f https://github.com/kubernetes-sigs/kueue/releases/download/v0.19.2/manifests.yaml",
                "kubectl wait deploy/kueue-controller-manager -n kueue-system --for=condition=available --timeout=5m",
            ],
        },
        "jobset.x-k8s.io" => InstallHint {
            project: "JobSet",
            version: "v0.12.0",
            commands: &[
                "kubectl apply --server-side -f https://github.com/kubernetes-sigs/jobset/releases/download/v0.12.0/manifests.yaml",
            ],
        },
        "leaderworkerset.x-k8s.io" => InstallHint {
            project: "LeaderWorkerSet",
            version: "v0.10.0",
            commands: &[
                "kubectl apply --server-side -f https://github.com/kubernetes-sigs/lws/releases/download/v0.10.0/manifests.yaml",
                "kubectl wait deploy/lws-controller-manager -n lws-system --for=condition=available --timeout=5m",
            ],
        },
        // GKE installs Gateway API's CRDs (and its own policy CRDs, such as
        // HealthCheckPolicy) when the cluster has Gateway API enabled:
        // "Enable the Gateway API on an existing cluster" in GKE's
        // "Deploying Gateways" guide. podwire's cluster request enables it
        // for a spec with routes; a cluster made otherwise needs this.
        "gateway.networking.k8s.io" => InstallHint {
            project: "GKE Gateway API",
            version: "standard channel",
            commands: &[
                "gcloud container clusters update CLUSTER --location=LOCATION --gateway-api=standard",
            ],
        },
        // GKE installs the InferencePool CRD itself from 1.34.0-gke.1626000
        // (llm-d's GKE guide, llm-d.ai/docs/infrastructure/gateway/gke);
        // older clusters need the release's CRDs, at the version of the
        // endpoint picker podwire deploys (k8s/inference.rs).
        "inference.networking.k8s.io" => InstallHint {
            project: "Gateway API Inference Extension",
            version: "v1.0.1",
            commands: &[
                "kubectl apply -f https://github.com/kubernetes-sigs/gateway-api-inference-extension/releases/download/v1.0.1/manifests.yaml",
            ],
        },
        _ => return None,
    })
}

/// The message for kinds the cluster lacks: each kind with the objects that
/// need it and why it is missing, then how to install what is missing.
pub fn unserved_message(list: &[Unserved]) -> String {
    let mut s = format!(
        "the cluster does not serve {} of the objects to apply, so nothing was applied:",
        if list.len() == 1 {
            "a kind".to_string()
        } else {
            format!("{} kinds", list.len())
        }
    );
    let mut hints: Vec<(&str, InstallHint)> = Vec::new();
    let mut generic: Vec<&Unserved> = Vec::new();
    let mut gke_networking = false;
    // One line per group version and reason: (apiVersion, why, kinds, objects).
    let mut lines: Vec<(&str, String, Vec<&str>, Vec<&str>)> = Vec::new();
    for u in list {
        let (group, version) = split_api_version(&u.api_version);
        let why = if u.served_versions.is_empty() {
            if group.is_empty() {
                "the core API has no such kind".to_string()
            } else {
                format!("the cluster has no {group} API (its CRDs are not installed)")
            }
        } else if u.served_versions.iter().any(|v| v == version) {
            format!(
                "{} has no kind {} (an older release?)",
                u.api_version, u.kind
            )
        } else {
            format!(
                "{group} is served only at {} (an older release?), not at {version}",
                u.served_versions.join(", ")
            )
        };
        match lines
            .iter_mut()
            .find(|(av, w, _, _)| *av == u.api_version && *w == why)
        {
            Some((_, _, kinds, objects)) => {
                kinds.push(&u.kind);
                objects.extend(u.objects.iter().map(String::as_str));
            }
            None => lines.push((
                &u.api_version,
                why,
                vec![&u.kind],
                u.objects.iter().map(String::as_str).collect(),
            )),
        }
        match install_hint(group) {
            Some(h) if !hints.iter().any(|(g, _)| *g == group) => hints.push((group, h)),
            Some(_) => {}
            None if group == GKE_NETWORKING_GROUP => gke_networking = true,
            None => generic.push(u),
        }
    }
    for (av, why, kinds, objects) in &lines {
        // The objects are named when there are few enough to read.
        let shown = match objects.as_slice() {
            [one] => format!(", for {one}"),
            [a, b] if kinds.len() == 1 => format!(", for {a} and {b}"),
            _ => String::new(),
        };
        s.push_str(&format!("\n  - {} ({av}){shown}: {why}", kinds.join(", ")));
    }
    for (_, h) in &hints {
        s.push_str(&format!(
            "\ninstall {} {} (as its installation guide says), then run podwire apply again:",
            h.project, h.version
        ));
        for c in h.commands {
            s.push_str(&format!("\n    {c}"));
        }
    }
    if gke_networking {
        // Not installable by hand: GKE itself serves these kinds.
        s.push_str(
            "\nGKE serves Network and GKENetworkParamSet (networking.gke.io) only on clusters with multi-networking \
             (`networkConfig.enableMultiNetworking` with Dataplane V2, which podwire sets for GPUDirect pools): \
             this cluster was made without it; delete it with `podwire delete --cluster` and apply again",
        );
    }
    for u in generic {
        s.push_str(&format!(
            "\ninstall the CustomResourceDefinition of {} ({}) and the controller that serves it, then run podwire apply again",
            u.kind, u.api_version
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn list(gv: &str, resources: &[(&str, &str, bool)]) -> APIResourceList {
        serde_json::from_value(json!({
            "kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv,
            "resources": resources.iter().map(|(name, kind, namespaced)| json!({
                "name": name, "singularName": "", "namespaced": namespaced, "kind": kind,
                "verbs": ["get", "patch", "delete"]})).collect::<Vec<_>>()
        }))
        .unwrap()
    }

    fn groups(gs: &[(&str, &[&str])]) -> APIGroupList {
        serde_json::from_value(json!({
            "kind": "APIGroupList", "apiVersion": "v1",
            "groups": gs.iter().map(|(name, versions)| json!({
                "name": name,
                "versions": versions.iter().map(|v| json!({"groupVersion": format!("{name}/{v}"), "version": v})).collect::<Vec<_>>(),
                "preferredVersion": {"groupVersion": format!("{name}/{}", versions[0]), "version": versions[0]},
            })).collect::<Vec<_>>()
        }))
        .unwrap()
    }

    fn manifest(api_version: &str, kind: &str, ns: Option<&str>, name: &str) -> Manifest {
        let mut md = json!({"name": name});
        if let Some(ns) = ns {
            md["namespace"] = ns.into();
        }
        Manifest::from_json(json!({"apiVersion": api_version, "kind": kind, "metadata": md}))
            .unwrap()
    }

    #[test]
    fn paths_of_group_versions() {
        assert_eq!(split_api_version("v1"), ("", "v1"));
        assert_eq!(
            split_api_version("kueue.x-k8s.io/v1beta2"),
            ("kueue.x-k8s.io", "v1beta2")
        );
        assert_eq!(resources_path("v1"), "/api/v1");
        assert_eq!(resources_path("apps/v1"), "/apis/apps/v1");
    }

    #[test]
    fn kinds_resolve_to_the_plural_and_scope_discovery_gives() {
        let mut d = Discovery::new();
        let wanted = ["v1", "kueue.x-k8s.io/v1beta2", "jobset.x-k8s.io/v1alpha2"];
        assert!(d.needs_groups(wanted));
        assert_eq!(
            d.to_fetch(wanted),
            vec!["v1"],
            "only the core without /apis"
        );
        d.set_groups(&groups(&[
            ("apps", &["v1"]),
            ("kueue.x-k8s.io", &["v1beta2", "v1beta1"]),
        ]));
        assert!(!d.needs_groups(wanted));
        assert_eq!(d.to_fetch(wanted), vec!["v1", "kueue.x-k8s.io/v1beta2"]);
        // The absent group is known now, without a request.
        assert_eq!(
            d.resolve("jobset.x-k8s.io/v1alpha2", "JobSet"),
            Resolution::NotServed { versions: vec![] }
        );
        assert_eq!(d.resolve("v1", "Namespace"), Resolution::Unknown);
        d.set_resources(
            "v1",
            Some(list(
                "v1",
                &[
                    ("namespaces", "Namespace", false),
                    ("secrets", "Secret", true),
                ],
            )),
        );
        d.set_resources(
            "kueue.x-k8s.io/v1beta2",
            Some(list(
                "kueue.x-k8s.io/v1beta2",
                &[
                    ("clusterqueues/status", "ClusterQueue", false),
                    ("clusterqueues", "ClusterQueue", false),
                    ("localqueues", "LocalQueue", true),
                ],
            )),
        );
        assert!(d.to_fetch(wanted).is_empty(), "each document once");
        let Resolution::Served(cq) = d.resolve("kueue.x-k8s.io/v1beta2", "ClusterQueue") else {
            panic!("served")
        };
        assert_eq!(cq.api.plural, "clusterqueues");
        assert_eq!(cq.scope, Scope::Cluster);
        let Resolution::Served(lq) = d.resolve("kueue.x-k8s.io/v1beta2", "LocalQueue") else {
            panic!("served")
        };
        assert_eq!(lq.scope, Scope::Namespaced);
        assert_eq!(d.preferred_version("kueue.x-k8s.io"), Some("v1beta2"));
        // A kind the served version lacks.
        assert_eq!(
            d.resolve("kueue.x-k8s.io/v1beta2", "Topology"),
            Resolution::NotServed {
                versions: vec!["v1beta2".into(), "v1beta1".into()]
            }
        );
    }

    #[test]
    fn gke_networking_objects_are_not_sent_to_an_install_guide() {
        let mut d = Discovery::new();
        d.set_groups(&groups(&[("kueue.x-k8s.io", &["v1beta2"])]));
        let objs = vec![
            manifest("networking.gke.io/v1", "Network", None, "net-0"),
            manifest("networking.gke.io/v1", "GKENetworkParamSet", None, "net-0"),
        ];
        assert!(d.to_fetch(api_versions(&objs)).is_empty());
        let u = unserved(&d, &objs);
        assert_eq!(u.len(), 2, "{u:?}");
        let msg = unserved_message(&u);
        assert!(
            msg.contains("only on clusters with multi-networking"),
            "{msg}"
        );
        assert!(!msg.contains("CustomResourceDefinition of"), "{msg}");
        assert_eq!(msg.matches("multi-networking").count(), 1, "{msg}");
    }

    #[test]
    fn unserved_kinds_are_reported_once_with_the_projects_install_command() {
        let mut d = Discovery::new();
        d.set_groups(&groups(&[("kueue.x-k8s.io", &["v1beta1"])]));
        let objs = vec![
            manifest("v1", "Namespace", None, "ns"),
            manifest("kueue.x-k8s.io/v1beta2", "ClusterQueue", None, "a"),
            manifest("kueue.x-k8s.io/v1beta2", "ClusterQueue", None, "b"),
            manifest("jobset.x-k8s.io/v1alpha2", "JobSet", Some("ns"), "train"),
            manifest("example.com/v1", "Widget", Some("ns"), "w"),
        ];
        let avs = api_versions(&objs);
        assert_eq!(avs.len(), 4);
        let fetch = d.to_fetch(avs);
        assert_eq!(fetch, vec!["v1"]);
        d.set_resources(
            "v1",
            Some(list("v1", &[("namespaces", "Namespace", false)])),
        );
        let u = unserved(&d, &objs);
        assert_eq!(u.len(), 3, "{u:?}");
        assert_eq!(u[0].kind, "ClusterQueue");
        assert_eq!(u[0].objects, vec!["ClusterQueue a", "ClusterQueue b"]);
        assert!(
            unserved_message(&u[..1]).contains(
                "ClusterQueue (kueue.x-k8s.io/v1beta2), for ClusterQueue a and ClusterQueue b: "
            ),
            "{}",
            unserved_message(&u[..1])
        );
        assert_eq!(u[0].served_versions, vec!["v1beta1"]);
        let msg = unserved_message(&u);
        assert!(msg.contains("3 kinds"), "{msg}");
        assert!(msg.contains("served only at v1beta1"), "{msg}");
        assert!(msg.contains("kubectl apply --server-side -f https://github.com/kubernetes-sigs/kueue/releases/download/v0.19.2/manifests.yaml"), "{msg}");
        assert!(msg.contains("kubectl apply --server-side -f https://github.com/kubernetes-sigs/jobset/releases/download/v0.12.0/manifests.yaml"), "{msg}");
        assert!(
            msg.contains("JobSet ns/train: the cluster has no jobset.x-k8s.io API"),
            "{msg}"
        );
        assert!(
            msg.contains("CustomResourceDefinition of Widget (example.com/v1)"),
            "{msg}"
        );
        assert_eq!(msg.matches("kueue/releases").count(), 1, "{msg}");
        assert!(install_hint("leaderworkerset.x-k8s.io").is_some());
        assert!(install_hint("gateway.networking.k8s.io").is_some());
        let pool = install_hint("inference.networking.k8s.io").expect("InferencePool hint");
        assert!(pool.commands[0].contains("/v1.0.1/"), "{:?}", pool.commands);
        assert!(install_hint("example.com").is_none());
    }
}
